// placeholder: replaced by the SMF parser work
int main() { return 0; }
