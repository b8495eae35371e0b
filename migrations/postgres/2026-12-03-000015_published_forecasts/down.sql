DROP TABLE published_forecasts;
