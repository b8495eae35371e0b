DROP TABLE login_throttle;
DROP TABLE users;
DROP TABLE organization_clusters;
DROP TABLE organizations;
DROP TABLE professions;
DROP TABLE clusters;
