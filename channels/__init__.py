"""Input channels: each turns one channel's protocol into Rasa messages and back."""
