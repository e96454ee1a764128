OPENQASM 2.0;
include "apikey.txt";
qreg q[2];
h q[0];
