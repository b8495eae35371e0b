DROP TABLE forecast_parameters;
