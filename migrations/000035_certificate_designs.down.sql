DROP TABLE IF EXISTS certificate_designs;
