"""The internal package registry (devpi): bootstrap, vetting, publishing."""
