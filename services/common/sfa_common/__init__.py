"""The pieces every Channel SFA service shares."""
