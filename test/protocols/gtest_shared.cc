// gtest_shared.cc - a GoogleTest binary whose tests need to share their
// process, as some real suites do: a counter that two tests advance in
// turn, and a main() that checks every test of the binary ran in it.  One
// process per test fails them; isolation = binary passes them.  Trouble.*
// crash or hang on request (GTEST_SHARED_CRASH, GTEST_SHARED_HANG) so the
// cases after them can be seen to go on in a new process; Trouble.Flaky
// fails once.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <unistd.h>

static int counter;

TEST(Shared, First)
{
	++counter;
	EXPECT_EQ(counter, 1);
}

TEST(Shared, Second)
{
	++counter;
	std::fprintf(stderr, "counter is %d\n", counter);
	EXPECT_EQ(counter, 2) << "Shared.First did not run in this process";
}

TEST(Trouble, Crash)
{
	if (std::getenv("GTEST_SHARED_CRASH"))
		std::abort();
}

TEST(Trouble, Hang)
{
	if (std::getenv("GTEST_SHARED_HANG"))
		for (;;)
			pause();
}

TEST(Trouble, Skipped) { GTEST_SKIP() << "skipped on purpose"; }

// Fails the first time it runs (GTEST_SHARED_FLAKY_FILE does not exist yet).
TEST(Trouble, Flaky)
{
	const char *mark = std::getenv("GTEST_SHARED_FLAKY_FILE");

	if (mark && access(mark, F_OK) != 0) {
		if (FILE *f = std::fopen(mark, "w"))
			std::fclose(f);
		FAIL() << "fails the first time";
	}
}

TEST(Trouble, After) { std::printf("the last case ran\n"); }

int main(int argc, char **argv)
{
	::testing::InitGoogleTest(&argc, argv);
	std::printf("main: starting\n");
	int rc = RUN_ALL_TESTS();
	const ::testing::UnitTest *u = ::testing::UnitTest::GetInstance();

	// A check in main after the tests: every test of the binary ran here.
	if (rc == 0 && !std::getenv("GTEST_SHARED_PARTIAL_OK") &&
	    u->test_to_run_count() != u->total_test_count()) {
		std::fprintf(stderr, "main: only %d of %d tests ran in this process\n",
			     u->test_to_run_count(), u->total_test_count());
		return 3;
	}
	if (rc == 0 && std::getenv("GTEST_SHARED_MAIN_FAIL")) {
		std::fprintf(stderr, "main: a leak check failed after the tests\n");
		return 4;
	}
	return rc;
}
