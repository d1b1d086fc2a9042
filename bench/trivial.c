/*
 * trivial.c - the test program of make bench: does nothing and exits 0, so a
 * run of thousands of hard links to it measures only a runner's per-test cost.
 */
int main(void)
{
	return 0;
}
