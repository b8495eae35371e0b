DROP TABLE pupil_masses;
DROP TABLE forecast_parameters;
