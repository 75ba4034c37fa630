using ObjectOS.Storage;

namespace ObjectOS.Storage.Tests;

public sealed class GlobPatternTests
{
    private const string Emoji = "\U0001F600"; // 😀, a surrogate pair
    private const string Rocket = "\U0001F680"; // 🚀
    private const string LoneHigh = "\uD83D";
    private const string LoneLow = "\uDE00";

    private static void AssertMatch(string pattern, string text, bool expected)
    {
        GlobPattern glob = GlobPattern.Parse(pattern);
        Assert.True(expected == glob.IsMatch(text), $"'{pattern}' vs '{text}': expected {expected}");
        Assert.Equal(expected, glob.IsMatch(text.AsSpan()));
    }

    [Theory]
    [InlineData("user:*", "user:1", true)]
    [InlineData("user:*", "user:2:name", true)]
    [InlineData("user:*", "user:", true)]
    [InlineData("user:*", "user", false)]
    [InlineData("user:*", "admin:1", false)]
    [InlineData("config:?", "config:1", true)]
    [InlineData("config:?", "config:a", true)]
    [InlineData("config:?", "config:10", false)]
    [InlineData("config:?", "config:", false)]
    [InlineData("config:?:name", "config:1:name", true)]
    [InlineData("*:name", "user:name", true)]
    [InlineData("*:name", "admin:name", true)]
    [InlineData("*:name", ":name", true)]
    [InlineData("*:name", "user:names", false)]
    [InlineData("*:name", "user:nam", false)]
    public void Seed_examples(string pattern, string text, bool expected) => AssertMatch(pattern, text, expected);

    [Theory]
    [InlineData("*", "", true)]
    [InlineData("*", "anything at all", true)]
    [InlineData("**", "", true)]
    [InlineData("a**b", "ab", true)]
    [InlineData("a**b", "axxb", true)]
    [InlineData("a*", "a", true)]
    [InlineData("*a", "a", true)]
    [InlineData("*a", "ba", true)]
    [InlineData("*a", "ab", false)]
    [InlineData("a*b*c", "abc", true)]
    [InlineData("a*b*c", "aXbYc", true)]
    [InlineData("a*b*c", "abcb", false)]
    [InlineData("a*b*c", "acbc", true)]
    [InlineData("*a*b*c*", "xxaxxbxxcxx", true)]
    [InlineData("*a*b*c*", "cba", false)]
    [InlineData("*ab", "aab", true)]
    [InlineData("*aab", "aaab", true)]
    [InlineData("*?", "", false)]
    [InlineData("*?", "a", true)]
    [InlineData("?*?", "a", false)]
    [InlineData("?*?", "ab", true)]
    [InlineData("a?c", "abc", true)]
    [InlineData("a?c", "ac", false)]
    [InlineData("???", "abc", true)]
    [InlineData("???", "abcd", false)]
    public void Star_and_question_mark(string pattern, string text, bool expected) => AssertMatch(pattern, text, expected);

    [Theory]
    [InlineData("", "", true)]
    [InlineData("", "a", false)]
    [InlineData("abc", "abc", true)]
    [InlineData("abc", "ABC", false)]
    [InlineData("abc", "abcd", false)]
    [InlineData("abc", "ab", false)]
    [InlineData("User:*", "user:1", false)]
    [InlineData("[A-Z]", "a", false)]
    [InlineData("\u00e9", "e\u0301", false)] // ordinal: no normalization
    public void Literal_matching_is_ordinal_and_case_sensitive(string pattern, string text, bool expected) =>
        AssertMatch(pattern, text, expected);

    [Fact]
    public void Empty_pattern_matches_only_the_empty_string()
    {
        GlobPattern glob = GlobPattern.Parse("");
        Assert.True(glob.IsMatch(""));
        Assert.True(glob.IsMatch(ReadOnlySpan<char>.Empty));
        Assert.False(glob.IsMatch(" "));
        Assert.True(glob.IsLiteral);
        Assert.False(glob.IsPrefixMatch);
        Assert.Equal("", glob.LiteralPrefix);
    }

    [Theory]
    [InlineData("*", "line1\nline2", true)]
    [InlineData("a*b", "a\nb", true)]
    [InlineData("a?b", "a\nb", true)]
    [InlineData("a?b", "a\r\nb", false)]
    [InlineData("a??b", "a\r\nb", true)]
    [InlineData("*\n", "x\n", true)]
    [InlineData("[\n]", "\n", true)]
    [InlineData("[!\n]", "\n", false)]
    [InlineData("log:*:end", "log:first\nsecond:end", true)]
    public void Newlines_are_ordinary_characters(string pattern, string text, bool expected) => AssertMatch(pattern, text, expected);

    [Fact]
    public void Question_mark_matches_one_scalar_so_an_emoji_is_one_character()
    {
        AssertMatch("?", Emoji, true);
        AssertMatch("??", Emoji, false);
        AssertMatch("emoji:?", "emoji:" + Emoji, true);
        AssertMatch("emoji:?", "emoji:" + Emoji + Emoji, false);
        AssertMatch("emoji:??", "emoji:" + Emoji + Emoji, true);
        AssertMatch("?b", Emoji + "b", true);
        AssertMatch("a?b", "a" + Emoji + "b", true);
        AssertMatch("*?", Emoji, true);
        AssertMatch("*??", Emoji, false);
        AssertMatch("?*?", Emoji, false);
        AssertMatch(Emoji + "?", Emoji + Rocket, true);
        AssertMatch("*" + Emoji, "a" + Emoji, true);
        AssertMatch("*" + Emoji, "a" + Rocket, false);
    }

    [Fact]
    public void A_star_never_splits_a_surrogate_pair()
    {
        // If '*' could stop between the two halves, the lone low half would match the negated class.
        AssertMatch("*[!" + Emoji + "]", Emoji, false);
        AssertMatch("*[!a]", Emoji, true);
        AssertMatch("*?", Emoji + Emoji, true);
        AssertMatch("*[!" + Emoji + "]?", Emoji + Emoji, false);
    }

    [Fact]
    public void Lone_surrogates_in_text_count_as_one_character()
    {
        AssertMatch("?", LoneHigh, true);
        AssertMatch("?", LoneLow, true);
        AssertMatch("??", LoneLow + LoneHigh, true); // low then high: not a pair
        AssertMatch("?", LoneLow + LoneHigh, false);
        AssertMatch("a?b", "a" + LoneHigh + "b", true);
        AssertMatch("a?", "a" + LoneHigh, true);
        AssertMatch("*", LoneHigh, true);
        AssertMatch("*b", LoneHigh + "b", true);
        AssertMatch("[!a]", LoneHigh, true);
        AssertMatch("[a]", LoneHigh, false);
        AssertMatch("?" + Emoji, LoneHigh + Emoji, true);
        AssertMatch(Emoji, LoneHigh, false);
    }

    [Theory]
    [InlineData("[abc]", "a", true)]
    [InlineData("[abc]", "c", true)]
    [InlineData("[abc]", "d", false)]
    [InlineData("[abc]", "", false)]
    [InlineData("[abc]", "ab", false)]
    [InlineData("[a-z]", "a", true)]
    [InlineData("[a-z]", "m", true)]
    [InlineData("[a-z]", "z", true)]
    [InlineData("[a-z]", "A", false)]
    [InlineData("[a-z]", "{", false)]
    [InlineData("[a-a]", "a", true)]
    [InlineData("[0-9a-f]", "7", true)]
    [InlineData("[0-9a-f]", "e", true)]
    [InlineData("[0-9a-f]", "g", false)]
    [InlineData("[!a]", "a", false)]
    [InlineData("[!a]", "b", true)]
    [InlineData("[!a]", "", false)]
    [InlineData("[^a]", "a", false)]
    [InlineData("[^a]", "b", true)]
    [InlineData("[!a-c]", "b", false)]
    [InlineData("[!a-c]", "d", true)]
    [InlineData("[]]", "]", true)]
    [InlineData("[]]", "a", false)]
    [InlineData("[]a]", "a", true)]
    [InlineData("[!]]", "]", false)]
    [InlineData("[!]]", "a", true)]
    [InlineData("[^]]", "]", false)]
    [InlineData("[-a]", "-", true)]
    [InlineData("[-a]", "a", true)]
    [InlineData("[a-]", "-", true)]
    [InlineData("[a-]", "b", false)]
    [InlineData("[!-]", "-", false)]
    [InlineData("[!-a]", "a", false)]
    [InlineData("[!-a]", "b", true)]
    [InlineData("[a-c-e]", "d", false)]
    [InlineData("[a-c-e]", "-", true)]
    [InlineData("[a-c-e]", "e", true)]
    [InlineData("[]-a]", "_", true)] // range ']'..'a'
    [InlineData("[!!]", "!", false)]
    [InlineData("[a!]", "!", true)]
    [InlineData("[a^]", "^", true)]
    [InlineData("[[]", "[", true)]
    [InlineData("[*?]", "*", true)]
    [InlineData("[*?]", "x", false)]
    [InlineData("[\\]]", "]", true)]
    [InlineData("[\\\\]", "\\", true)]
    [InlineData("[a\\-z]", "-", true)]
    [InlineData("[a\\-z]", "b", false)]
    [InlineData("[\\!a]", "!", true)]
    [InlineData("[\\^a]", "b", false)]
    [InlineData("[a-\\z]", "m", true)]
    [InlineData("[:]", ":", true)]
    [InlineData("user:[0-9][0-9]", "user:42", true)]
    [InlineData("user:[0-9][0-9]", "user:4x", false)]
    public void Classes(string pattern, string text, bool expected) => AssertMatch(pattern, text, expected);

    [Fact]
    public void Classes_hold_non_bmp_members_and_ranges()
    {
        AssertMatch("[" + Emoji + "]", Emoji, true);
        AssertMatch("[" + Emoji + "]", Rocket, false);
        AssertMatch("[a" + Emoji + "b]", "b", true);
        AssertMatch("[!" + Emoji + "]", Emoji, false);
        AssertMatch("[!" + Emoji + "]", Rocket, true);
        AssertMatch("[" + Emoji + "-" + Rocket + "]", "\U0001F620", true);
        AssertMatch("[" + Emoji + "-" + Rocket + "]", "\U0001F681", false);
        AssertMatch("[a-" + Emoji + "]", "\u4E2D", true);
        AssertMatch("[\\" + Emoji + "]", Emoji, true);
        AssertMatch("[" + Emoji + "]?", Emoji + Rocket, true);
        AssertMatch("x[" + Emoji + "]", "x" + Emoji, true);
    }

    [Theory]
    [InlineData("\\*", "*", true)]
    [InlineData("\\*", "a", false)]
    [InlineData("\\?", "?", true)]
    [InlineData("\\?", "a", false)]
    [InlineData("\\[a]", "[a]", true)]
    [InlineData("\\[a]", "a", false)]
    [InlineData("\\]", "]", true)]
    [InlineData("]", "]", true)]
    [InlineData("a]b", "a]b", true)]
    [InlineData("\\\\", "\\", true)]
    [InlineData("\\a", "a", true)]
    [InlineData("\\:", ":", true)]
    [InlineData("key\\*with\\?meta*", "key*with?meta:1", true)]
    [InlineData("key\\*with\\?meta*", "keyXwith?meta:1", false)]
    [InlineData("*\\*", "abc*", true)]
    [InlineData("*\\*", "abc", false)]
    [InlineData("-!^", "-!^", true)]
    public void Escapes_outside_classes(string pattern, string text, bool expected) => AssertMatch(pattern, text, expected);

    [Fact]
    public void Escaped_surrogate_pair_is_one_literal_character()
    {
        AssertMatch("\\" + Emoji, Emoji, true);
        AssertMatch("\\" + Emoji + "?", Emoji + "a", true);
        Assert.Equal(Emoji, GlobPattern.Parse("\\" + Emoji).LiteralPrefix);
    }

    [Theory]
    [InlineData("a[b", "unclosed '[' at index 1")]
    [InlineData("[", "unclosed '[' at index 0")]
    [InlineData("[!", "unclosed '[' at index 0")]
    [InlineData("[^", "unclosed '[' at index 0")]
    [InlineData("[abc", "unclosed '[' at index 0")]
    [InlineData("x[]a", "unclosed '[' at index 1")]
    [InlineData("[a-", "unclosed '[' at index 0")]
    [InlineData("ab[a-z]*[", "unclosed '[' at index 8")]
    [InlineData("[]", "empty class '[]' at index 0")]
    [InlineData("ab[!]", "empty class '[!]' at index 2")]
    [InlineData("[^]", "empty class '[^]' at index 0")]
    [InlineData("\\", "trailing '\\' at index 0")]
    [InlineData("abc\\", "trailing '\\' at index 3")]
    [InlineData("[a\\", "trailing '\\' at index 2")]
    [InlineData("[z-a]", "reversed range 'z-a' at index 1")]
    [InlineData("x[!b-a]", "reversed range 'b-a' at index 3")]
    [InlineData("[a-\\]]", "reversed range 'a-\\]' at index 1")]
    public void Malformed_patterns_throw_with_problem_and_position(string pattern, string problem) =>
        AssertMalformed(pattern, problem);

    // Lone surrogates cannot go through attribute arguments (metadata strings are UTF-8), so these are inline.
    [Fact]
    public void Lone_surrogates_in_a_pattern_are_malformed_even_when_escaped()
    {
        AssertMalformed("a" + LoneHigh, "lone surrogate U+D83D at index 1");
        AssertMalformed(LoneLow + "b", "lone surrogate U+DE00 at index 0");
        AssertMalformed("\\" + LoneHigh, "lone surrogate U+D83D at index 1");
        AssertMalformed("[" + LoneHigh + "]", "lone surrogate U+D83D at index 1");
        AssertMalformed("[a-" + LoneLow + "]", "lone surrogate U+DE00 at index 3");
        AssertMalformed(LoneLow + LoneHigh, "lone surrogate U+DE00 at index 0");
        AssertMalformed("ab" + LoneHigh + "*", "lone surrogate U+D83D at index 2");
        AssertMalformed(Emoji + LoneHigh, "lone surrogate U+D83D at index 2");
    }

    private static void AssertMalformed(string pattern, string problem)
    {
        ArgumentException ex = Assert.Throws<ArgumentException>(() => GlobPattern.Parse(pattern));
        Assert.Equal("pattern", ex.ParamName);
        Assert.StartsWith($"Malformed glob pattern '{pattern}': {problem}.", ex.Message, StringComparison.Ordinal);

        Assert.False(GlobPattern.TryParse(pattern, out GlobPattern? result));
        Assert.Null(result);
    }

    [Fact]
    public void Message_example_from_the_spec()
    {
        ArgumentException ex = Assert.Throws<ArgumentException>(() => GlobPattern.Parse("a[b"));
        Assert.StartsWith("Malformed glob pattern 'a[b': unclosed '[' at index 1.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_arguments()
    {
        Assert.Equal("pattern", Assert.Throws<ArgumentNullException>(() => GlobPattern.Parse(null!)).ParamName);
        Assert.False(GlobPattern.TryParse(null, out GlobPattern? result));
        Assert.Null(result);
        Assert.Equal("literal", Assert.Throws<ArgumentNullException>(() => GlobPattern.Escape(null!)).ParamName);
        Assert.Equal("text", Assert.Throws<ArgumentNullException>(() => GlobPattern.MatchAll.IsMatch((string)null!)).ParamName);
    }

    [Fact]
    public void TryParse_returns_the_compiled_pattern()
    {
        Assert.True(GlobPattern.TryParse("user:*", out GlobPattern? result));
        Assert.Equal("user:*", result.Pattern);
        Assert.True(result.IsMatch("user:1"));
    }

    [Theory]
    // pattern, LiteralPrefix, IsLiteral, IsPrefixMatch
    [InlineData("", "", true, false)]
    [InlineData("abc", "abc", true, false)]
    [InlineData("a\\*b", "a*b", true, false)]
    [InlineData("\\[x]", "[x]", true, false)]
    [InlineData("a]b", "a]b", true, false)]
    [InlineData("\\\\", "\\", true, false)]
    [InlineData("*", "", false, true)]
    [InlineData("***", "", false, true)]
    [InlineData("user:*", "user:", false, true)]
    [InlineData("user:**", "user:", false, true)]
    [InlineData("us\\?er:*", "us?er:", false, true)]
    [InlineData("user:*:name", "user:", false, false)]
    [InlineData("user:?", "user:", false, false)]
    [InlineData("user:[0-9]", "user:", false, false)]
    [InlineData("user:[a]", "user:", false, false)]
    [InlineData("*:name", "", false, false)]
    [InlineData("?", "", false, false)]
    [InlineData("[a]*", "", false, false)]
    [InlineData("a*b*", "a", false, false)]
    [InlineData("*a", "", false, false)]
    public void Pattern_shape_properties(string pattern, string prefix, bool isLiteral, bool isPrefixMatch)
    {
        GlobPattern glob = GlobPattern.Parse(pattern);
        Assert.Equal(prefix, glob.LiteralPrefix);
        Assert.Equal(isLiteral, glob.IsLiteral);
        Assert.Equal(isPrefixMatch, glob.IsPrefixMatch);
        Assert.Equal(pattern, glob.Pattern);
        Assert.Equal(pattern, glob.ToString());
    }

    [Fact]
    public void MatchAll_is_star()
    {
        Assert.Equal("*", GlobPattern.MatchAll.Pattern);
        Assert.True(GlobPattern.MatchAll.IsPrefixMatch);
        Assert.Equal("", GlobPattern.MatchAll.LiteralPrefix);
        Assert.True(GlobPattern.MatchAll.IsMatch(""));
        Assert.True(GlobPattern.MatchAll.IsMatch("a:b\n" + Emoji));
        Assert.Same(GlobPattern.MatchAll, GlobPattern.MatchAll);
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("plain:key", "plain:key")]
    [InlineData("*", "\\*")]
    [InlineData("a?b", "a\\?b")]
    [InlineData("[x]", "\\[x\\]")]
    [InlineData("back\\slash", "back\\\\slash")]
    [InlineData("-!^:\n", "-!^:\n")]
    public void Escape_escapes_only_metacharacters(string literal, string expected)
    {
        string escaped = GlobPattern.Escape(literal);
        Assert.Equal(expected, escaped);
        GlobPattern glob = GlobPattern.Parse(escaped);
        Assert.True(glob.IsLiteral);
        Assert.Equal(literal, glob.LiteralPrefix);
        Assert.True(glob.IsMatch(literal));
    }

    [Fact]
    public void Escape_keeps_surrogate_pairs_and_rejects_lone_surrogates()
    {
        Assert.Equal(Emoji + "\\*", GlobPattern.Escape(Emoji + "*"));
        ArgumentException ex = Assert.Throws<ArgumentException>(() => GlobPattern.Escape("ab" + LoneHigh));
        Assert.Equal("literal", ex.ParamName);
        Assert.Contains("U+D83D at index 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Escape_then_prefix_star_is_a_prefix_match()
    {
        GlobPattern glob = GlobPattern.Parse(GlobPattern.Escape("we*ird[key]") + "*");
        Assert.True(glob.IsPrefixMatch);
        Assert.Equal("we*ird[key]", glob.LiteralPrefix);
        Assert.True(glob.IsMatch("we*ird[key]:1"));
        Assert.False(glob.IsMatch("weXird[key]:1"));
    }

    [Fact]
    public void Many_stars_on_long_text_complete_and_are_correct()
    {
        string text = new string('x', 50_000) + "a" + new string('x', 50_000) + "b" + new string('x', 50_000) + "c" + new string('x', 10);
        Assert.True(GlobPattern.Parse("*a*b*c*").IsMatch(text));
        Assert.True(GlobPattern.Parse("*a*b*c??????????").IsMatch(text));
        Assert.False(GlobPattern.Parse("*a*b*c*d*").IsMatch(text));
        Assert.False(GlobPattern.Parse("*c*b*a*").IsMatch(text));

        // Classic exponential case for naive backtracking matchers.
        string aaa = new('a', 20_000);
        Assert.False(GlobPattern.Parse("*a*a*a*a*a*a*a*a*b").IsMatch(aaa));
        Assert.True(GlobPattern.Parse("*a*a*a*a*a*a*a*a*a").IsMatch(aaa));
        Assert.False(GlobPattern.Parse("a*a*a*a*a*a*a*a*a?" + new string('a', 30) + "b").IsMatch(aaa));
        Assert.True(GlobPattern.Parse("**********a").IsMatch(aaa));
    }

    [Fact]
    public void IsMatch_does_not_allocate()
    {
        GlobPattern[] patterns =
        [
            GlobPattern.Parse("user:1"),
            GlobPattern.Parse("user:*"),
            GlobPattern.Parse("*a*b*c*"),
            GlobPattern.Parse("u?er:[0-9a-z][!x]*" + Emoji + "*"),
        ];
        string[] texts = ["user:1", "user:2:name", "xaxbxcx", "user:7y" + Emoji + "z", "nope"];

        bool Run()
        {
            bool any = false;
            foreach (GlobPattern p in patterns)
            {
                foreach (string t in texts)
                {
                    any |= p.IsMatch(t);
                    any |= p.IsMatch(t.AsSpan());
                }
            }

            return any;
        }

        Assert.True(Run()); // warm up (JIT, statics)
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            Run();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_pattern_can_be_shared_across_threads()
    {
        GlobPattern glob = GlobPattern.Parse("k:*[0-9]?");
        Parallel.For(0, 2_000, i =>
        {
            string text = $"k:{i}x";
            Assert.True(glob.IsMatch(text));
            Assert.False(glob.IsMatch($"j:{i}x"));
        });
    }
}
