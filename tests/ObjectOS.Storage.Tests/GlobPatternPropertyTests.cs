using System.Text;
using CsCheck;
using ObjectOS.Storage;

namespace ObjectOS.Storage.Tests;

/// <summary>
/// Property tests of <see cref="GlobPattern"/> against an independent oracle: a naive (memoized) recursive matcher
/// over Unicode scalars, with its own parser that works on decoded scalars rather than UTF-16 code units.
/// </summary>
public sealed class GlobPatternPropertyTests
{
    private const string Emoji = "\U0001F600";
    private const int Iterations = 4_000;

    // The small alphabet from the spec, plus '!' and '^' (class negation) and the two halves of the emoji alone.
    private static readonly string[] PatternAlphabet =
        ["a", "b", ":", "\n", Emoji, "*", "?", "[", "]", "\\", "-", "!", "^"];

    private static readonly string[] TextAlphabet =
        ["a", "b", ":", "\n", Emoji, "*", "?", "[", "]", "\\", "-", "!", "^", "\uD83D", "\uDE00"];

    private static readonly string[] LiteralAlphabet =
        ["a", "b", ":", "\n", Emoji, "*", "?", "[", "]", "\\", "-", "!", "^"];

    private static readonly Gen<string> GenText = Gen.Frequency(
        (3, Gen.OneOf(TextAlphabet).Array[0, 10].Select(string.Concat)),
        (2, Gen.OneOf("a", "b", ":", Emoji).Array[0, 8].Select(string.Concat)));

    private static readonly Gen<string> GenRawPattern = Gen.Frequency(
        (4, Gen.OneOf(PatternAlphabet).Array[0, 10].Select(string.Concat)),
        (1, Gen.OneOf(PatternAlphabet.Concat(["\uD83D", "\uDE00"]).ToArray()).Array[0, 8].Select(string.Concat)));

    // --- Well-formed pattern generator -------------------------------------------------------------------------

    private static readonly int[] ClassScalars =
        ['\n', ':', 'a', 'b', '*', '?', '[', ']', '\\', '-', '!', '^', char.ConvertToUtf32(Emoji, 0)];

    private static string RenderClassScalar(int scalar) =>
        scalar is ']' or '\\' or '-' or '!' or '^' ? "\\" + char.ConvertFromUtf32(scalar) : char.ConvertFromUtf32(scalar);

    private static readonly Gen<string> GenClassMember = Gen.Frequency(
        (3, Gen.OneOf(ClassScalars).Select(RenderClassScalar)),
        (2, Gen.Select(Gen.OneOf(ClassScalars), Gen.OneOf(ClassScalars), (x, y) =>
            RenderClassScalar(Math.Min(x, y)) + "-" + RenderClassScalar(Math.Max(x, y)))));

    private static readonly Gen<string> GenClass = Gen.Select(
        Gen.OneOf("", "", "!", "^"),
        Gen.OneOf("", "", "", "]", "-"),
        GenClassMember.Array[0, 3],
        Gen.OneOf("", "", "", "-"),
        (negation, lead, members, trail) =>
        {
            string body = lead + string.Concat(members) + trail;
            return "[" + negation + (body.Length == 0 ? "a" : body) + "]";
        });

    private static readonly Gen<string> GenPiece = Gen.Frequency(
        (6, Gen.OneOf("a", "b", ":", "\n", Emoji, "-", "!", "^", "]")),
        (2, Gen.OneOf(LiteralAlphabet).Select(c => "\\" + c)),
        (4, Gen.Const("*")),
        (3, Gen.Const("?")),
        (3, GenClass));

    private static readonly Gen<string> GenPattern = GenPiece.Array[0, 7].Select(string.Concat);

    // --- Properties ---------------------------------------------------------------------------------------------

    [Fact]
    public void Parse_throws_iff_the_oracle_says_malformed_and_matches_agree()
    {
        Gen.Select(GenRawPattern, GenText.Array[1, 4]).Sample((pattern, texts) =>
        {
            List<Node>? nodes = Oracle.Parse(pattern);
            bool parsed = GlobPattern.TryParse(pattern, out GlobPattern? glob);
            Assert.Equal(nodes is not null, parsed);
            if (nodes is null)
            {
                ArgumentException ex = Assert.Throws<ArgumentException>(() => GlobPattern.Parse(pattern));
                Assert.Equal("pattern", ex.ParamName);
                Assert.StartsWith($"Malformed glob pattern '{pattern}': ", ex.Message, StringComparison.Ordinal);
                Assert.Contains(" at index ", ex.Message, StringComparison.Ordinal);
                return;
            }

            Assert.NotNull(glob);
            foreach (string text in texts)
            {
                Assert.Equal(Oracle.IsMatch(nodes, text), glob.IsMatch(text));
            }
        }, iter: Iterations, print: Print);
    }

    [Fact]
    public void Generated_patterns_are_well_formed_and_agree_with_the_oracle()
    {
        Gen.Select(GenPattern, GenText.Array[1, 6]).Sample((pattern, texts) =>
        {
            List<Node>? nodes = Oracle.Parse(pattern);
            Assert.NotNull(nodes);
            GlobPattern glob = GlobPattern.Parse(pattern);
            foreach (string text in texts)
            {
                bool expected = Oracle.IsMatch(nodes, text);
                Assert.Equal(expected, glob.IsMatch(text));
                Assert.Equal(expected, glob.IsMatch(text.AsSpan()));
            }
        }, iter: Iterations, print: Print);
    }

    [Fact]
    public void Texts_built_to_match_a_pattern_do_match()
    {
        Gen.Select(GenPattern, Gen.Int).Sample((pattern, seed) =>
        {
            List<Node> nodes = Oracle.Parse(pattern)!;
            string? text = Oracle.Instantiate(nodes, new Random(seed));
            if (text is null)
            {
                return; // e.g. a class that no scalar of the alphabet satisfies
            }

            Assert.True(Oracle.IsMatch(nodes, text), "oracle disagrees with its own instance");
            Assert.True(GlobPattern.Parse(pattern).IsMatch(text), $"'{pattern}' should match '{text}'");
        }, iter: Iterations, print: t => $"{Show(t.Item1)} seed {t.Item2}");
    }

    [Fact]
    public void Star_heavy_patterns_on_longer_texts_agree_with_the_oracle()
    {
        Gen<string> pattern = Gen.OneOf("*", "*", "*", "a", "b", "?", "?", "ab", Emoji, "[!" + Emoji + "]", "[!a]", "[b-" + Emoji + "]")
            .Array[0, 10].Select(string.Concat);
        Gen<string> text = Gen.OneOf("a", "a", "b", Emoji, Emoji, "\uD83D", "\uDE00").Array[0, 40].Select(string.Concat);
        Gen.Select(pattern, text.Array[1, 4]).Sample((p, texts) =>
        {
            List<Node> nodes = Oracle.Parse(p)!;
            GlobPattern glob = GlobPattern.Parse(p);
            foreach (string t in texts)
            {
                Assert.Equal(Oracle.IsMatch(nodes, t), glob.IsMatch(t));
            }
        }, iter: Iterations, print: Print);
    }

    [Fact]
    public void Escape_round_trips()
    {
        Gen<string> literal = Gen.OneOf(LiteralAlphabet).Array[0, 8].Select(string.Concat);
        Gen.Select(literal, literal, Gen.Bool).Sample((s, other, same) =>
        {
            string t = same ? s : other;
            GlobPattern glob = GlobPattern.Parse(GlobPattern.Escape(s));
            Assert.True(glob.IsLiteral);
            Assert.Equal(s, glob.LiteralPrefix);
            Assert.True(glob.IsMatch(s));
            Assert.Equal(string.Equals(s, t, StringComparison.Ordinal), glob.IsMatch(t));
            Assert.False(glob.IsMatch(s + "a"));
        }, iter: Iterations);
    }

    [Fact]
    public void Shape_properties_agree_with_the_oracle_and_with_matching()
    {
        Gen.Select(GenPattern, GenText.Array[1, 6]).Sample((pattern, texts) =>
        {
            List<Node> nodes = Oracle.Parse(pattern)!;
            GlobPattern glob = GlobPattern.Parse(pattern);

            int leadingLiterals = nodes.TakeWhile(n => n is Lit).Count();
            string prefix = string.Concat(nodes.Take(leadingLiterals).Select(n => char.ConvertFromUtf32(((Lit)n).Scalar)));
            bool isLiteral = leadingLiterals == nodes.Count;
            bool isPrefixMatch = leadingLiterals < nodes.Count && nodes.Skip(leadingLiterals).All(n => n is Star);

            Assert.Equal(prefix, glob.LiteralPrefix);
            Assert.Equal(isLiteral, glob.IsLiteral);
            Assert.Equal(isPrefixMatch, glob.IsPrefixMatch);
            Assert.Equal(pattern, glob.Pattern);

            foreach (string text in texts)
            {
                bool match = glob.IsMatch(text);
                if (match)
                {
                    Assert.StartsWith(glob.LiteralPrefix, text, StringComparison.Ordinal);
                }

                if (glob.IsLiteral)
                {
                    Assert.Equal(string.Equals(text, glob.LiteralPrefix, StringComparison.Ordinal), match);
                }

                if (glob.IsPrefixMatch)
                {
                    Assert.Equal(text.StartsWith(glob.LiteralPrefix, StringComparison.Ordinal), match);
                }
            }
        }, iter: Iterations, print: Print);
    }

    private static string Show(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (char c in s)
        {
            sb.Append(c is < ' ' or > '~' ? $"\\u{(int)c:X4}" : c.ToString());
        }

        return sb.Append('"').ToString();
    }

    private static string Print((string Pattern, string[] Texts) input) =>
        $"pattern {Show(input.Pattern)} texts [{string.Join(", ", input.Texts.Select(Show))}]";

    // --- Oracle -------------------------------------------------------------------------------------------------

    private abstract record Node;

    private sealed record Star : Node;

    private sealed record AnyScalar : Node;

    private sealed record Lit(int Scalar) : Node;

    private sealed record Cls(bool Negated, List<(int Lo, int Hi)> Ranges) : Node
    {
        public bool Accepts(int scalar) => Ranges.Exists(r => r.Lo <= scalar && scalar <= r.Hi) != Negated;
    }

    private static class Oracle
    {
        /// <summary>Decodes with <see cref="Rune"/>; null if the text has a lone surrogate.</summary>
        private static List<int>? DecodeStrict(string s)
        {
            var result = new List<int>();
            ReadOnlySpan<char> rest = s;
            while (!rest.IsEmpty)
            {
                if (Rune.DecodeFromUtf16(rest, out Rune rune, out int consumed) != System.Buffers.OperationStatus.Done)
                {
                    return null;
                }

                result.Add(rune.Value);
                rest = rest[consumed..];
            }

            return result;
        }

        /// <summary>Decodes text; a lone surrogate is one character whose value is its code unit.</summary>
        private static int[] DecodeLenient(string s)
        {
            var result = new List<int>();
            ReadOnlySpan<char> rest = s;
            while (!rest.IsEmpty)
            {
                if (Rune.DecodeFromUtf16(rest, out Rune rune, out int consumed) == System.Buffers.OperationStatus.Done)
                {
                    result.Add(rune.Value);
                }
                else
                {
                    consumed = 1;
                    result.Add(rest[0]);
                }

                rest = rest[consumed..];
            }

            return [.. result];
        }

        public static List<Node>? Parse(string pattern)
        {
            List<int>? s = DecodeStrict(pattern);
            if (s is null)
            {
                return null;
            }

            var nodes = new List<Node>();
            int i = 0;
            while (i < s.Count)
            {
                int c = s[i];
                if (c == '\\')
                {
                    if (i + 1 == s.Count)
                    {
                        return null;
                    }

                    nodes.Add(new Lit(s[i + 1]));
                    i += 2;
                }
                else if (c == '*')
                {
                    nodes.Add(new Star());
                    i++;
                }
                else if (c == '?')
                {
                    nodes.Add(new AnyScalar());
                    i++;
                }
                else if (c == '[')
                {
                    i++;
                    bool negated = i < s.Count && (s[i] == '!' || s[i] == '^');
                    if (negated)
                    {
                        i++;
                    }

                    var ranges = new List<(int, int)>();
                    bool first = true;
                    while (true)
                    {
                        if (i >= s.Count)
                        {
                            return null;
                        }

                        if (s[i] == ']' && !first)
                        {
                            i++;
                            break;
                        }

                        first = false;
                        if (!Member(s, ref i, out int lo))
                        {
                            return null;
                        }

                        int hi = lo;
                        bool isRange = i + 1 < s.Count && s[i] == '-' && s[i + 1] != ']';
                        if (isRange)
                        {
                            i++;
                            if (!Member(s, ref i, out hi) || hi < lo)
                            {
                                return null;
                            }
                        }

                        ranges.Add((lo, hi));
                    }

                    nodes.Add(new Cls(negated, ranges));
                }
                else
                {
                    nodes.Add(new Lit(c));
                    i++;
                }
            }

            return nodes;
        }

        private static bool Member(List<int> s, ref int i, out int scalar)
        {
            if (s[i] == '\\')
            {
                i++;
                if (i >= s.Count)
                {
                    scalar = 0;
                    return false;
                }
            }

            scalar = s[i];
            i++;
            return true;
        }

        public static bool IsMatch(List<Node> nodes, string text)
        {
            int[] t = DecodeLenient(text);
            var memo = new Dictionary<(int, int), bool>();

            bool Match(int p, int i)
            {
                if (memo.TryGetValue((p, i), out bool known))
                {
                    return known;
                }

                bool result;
                if (p == nodes.Count)
                {
                    result = i == t.Length;
                }
                else
                {
                    result = nodes[p] switch
                    {
                        Star => Match(p + 1, i) || (i < t.Length && Match(p, i + 1)),
                        AnyScalar => i < t.Length && Match(p + 1, i + 1),
                        Lit lit => i < t.Length && t[i] == lit.Scalar && Match(p + 1, i + 1),
                        Cls cls => i < t.Length && cls.Accepts(t[i]) && Match(p + 1, i + 1),
                        _ => throw new InvalidOperationException(),
                    };
                }

                memo[(p, i)] = result;
                return result;
            }

            return Match(0, 0);
        }

        /// <summary>Builds a random text that the pattern should match, or null if a class has no candidate.</summary>
        public static string? Instantiate(List<Node> nodes, Random random)
        {
            int[] candidates = ['a', 'b', ':', '\n', '*', '?', '[', ']', '\\', '-', '!', '^', 'z', char.ConvertToUtf32(Emoji, 0), 0x1F680];
            var sb = new StringBuilder();
            foreach (Node node in nodes)
            {
                switch (node)
                {
                    case Star:
                        int count = random.Next(4);
                        for (int k = 0; k < count; k++)
                        {
                            sb.Append(char.ConvertFromUtf32(candidates[random.Next(candidates.Length)]));
                        }

                        break;
                    case AnyScalar:
                        sb.Append(char.ConvertFromUtf32(candidates[random.Next(candidates.Length)]));
                        break;
                    case Lit lit:
                        sb.Append(char.ConvertFromUtf32(lit.Scalar));
                        break;
                    case Cls cls:
                        List<int> ok = [.. candidates.Where(cls.Accepts)];
                        if (!cls.Negated)
                        {
                            ok.AddRange(cls.Ranges.Select(r => r.Hi));
                        }


                        if (ok.Count == 0)
                        {
                            return null;
                        }

                        sb.Append(char.ConvertFromUtf32(ok[random.Next(ok.Count)]));
                        break;
                }
            }

            return sb.ToString();
        }
    }
}
