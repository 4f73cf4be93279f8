int dep_value(void) { return 41; }
