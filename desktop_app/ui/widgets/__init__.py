"""The window's parts. Each widget only displays what it is given and emits what the user asked for;
none of them knows about the controller, the loop thread or events' origins."""
