// gtest_sample.cc - a real GoogleTest binary for testrig's protocol tests:
// passing, failing, crashing, skipped, disabled, typed and parameterized
// tests, so testrig's verdicts can be compared with GoogleTest's own.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>

TEST(Arith, Adds) { EXPECT_EQ(2 + 2, 4); }
TEST(Arith, Fails) { EXPECT_EQ(2 + 2, 5) << "arithmetic is broken"; }
TEST(Arith, Skips) { GTEST_SKIP() << "not today"; }
TEST(Arith, DISABLED_Later) { EXPECT_TRUE(true); }
TEST(DISABLED_Whole, Suite) { EXPECT_TRUE(true); }
TEST(Crash, Aborts)
{
	if (std::getenv("GTEST_SAMPLE_CRASH"))
		std::abort();
}

template <typename T> class Typed : public ::testing::Test {};
using MyTypes = ::testing::Types<int, long, double>;
TYPED_TEST_SUITE(Typed, MyTypes);
TYPED_TEST(Typed, ZeroIsZero) { EXPECT_EQ(TypeParam(0), TypeParam()); }

class Param : public ::testing::TestWithParam<int> {};
TEST_P(Param, Even) { EXPECT_EQ(GetParam() % 2, 0); }
INSTANTIATE_TEST_SUITE_P(Small, Param, ::testing::Values(2, 4, 5));
