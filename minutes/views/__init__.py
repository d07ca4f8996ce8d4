"""Views, by audience: browsing for citizens, search for journalists."""
