// placeholder until the CLI lands in this commit series
int main() { return 0; }
