"""realtymedia: the media of real estate listings, uploaded straight to object storage."""

__version__ = "0.1.0"
