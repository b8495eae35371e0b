-- PostgreSQL's sequences never give an id twice: nothing to change.
SELECT 1;
