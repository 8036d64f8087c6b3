"""minerfarm: self-hosted monitor and controller for crypto-mining farms."""

__version__ = "0.1.0"
