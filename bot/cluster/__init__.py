"""The production shape on one machine (`bin/cluster`): PostgreSQL, Redis, several Rasa
servers, the action server and the console behind nginx."""
