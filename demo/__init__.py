"""Local stand-ins for the production sources: a throwaway MariaDB and a seeded demo shop."""
