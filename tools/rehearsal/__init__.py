"""The rehearsal on local stand-ins: its overlay of inventories/aws, simulator settings and stand-in charts."""
