{ test.nested = true; }
