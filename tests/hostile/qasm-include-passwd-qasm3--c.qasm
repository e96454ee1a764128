OPENQASM 3.0;
include "/etc/passwd";
qubit[2] q;
h q[0];
