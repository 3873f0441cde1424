"""Local stand-ins for remote services we cannot reach from tests: small HTTP servers on
loopback that speak the real protocol and record what they receive."""
