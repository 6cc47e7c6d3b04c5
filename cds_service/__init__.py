"""Imaging appropriateness CDS Hooks service for the ACR criteria on cervical pain and radiculopathy."""

__version__ = "0.1.0"
