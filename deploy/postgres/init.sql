-- Each service owns its database (DESIGN §3): the image creates incident_api; this adds the other.
CREATE DATABASE notifier OWNER ssi;
