OPENQASM 2.0;
include "../secret.txt";
qreg q[2];
h q[0];
