"""Channel SFA gateway: the HTTP API for internal users and the portal."""
