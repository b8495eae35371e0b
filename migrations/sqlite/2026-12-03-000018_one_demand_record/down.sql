DROP INDEX demand_one_per_year;
