using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace ObjectOS.Storage;

/// <summary>
/// A compiled glob pattern used to select keys (relative to their scope); one grammar with identical results on
/// every backend: <c>*</c> matches any run of characters (including <c>:</c> and newlines), <c>?</c> exactly one
/// Unicode scalar, <c>[abc]</c>, <c>[a-z]</c>, <c>[!a]</c> and <c>[^a]</c> classes match one scalar, and <c>\</c>
/// escapes the next character. Matching is ordinal and case-sensitive.
/// </summary>
/// <remarks>
/// Instances are immutable and thread-safe. The pattern is compiled once by <see cref="Parse"/>;
/// <see cref="IsMatch(ReadOnlySpan{char})"/> does not allocate. A lone surrogate in matched text counts as one
/// character (its value is its UTF-16 code unit); a lone surrogate in a pattern is malformed, even when escaped.
/// </remarks>
public sealed class GlobPattern
{
    private static readonly SearchValues<char> s_escapeChars = SearchValues.Create("*?[]\\");

    private readonly Token[] _tokens;
    private readonly string _literals;
    private readonly int[] _ranges;
    private readonly int _minLength;
    private readonly int _maxLength;

    private GlobPattern(string pattern, Token[] tokens, string literals, int[] ranges)
    {
        Pattern = pattern;
        _tokens = tokens;
        _literals = literals;
        _ranges = ranges;

        LiteralPrefix = tokens.Length > 0 && tokens[0].Kind == TokenKind.Literal
            ? literals.Substring(tokens[0].Start, tokens[0].Length)
            : string.Empty;
        IsLiteral = tokens.Length == 0 || (tokens.Length == 1 && tokens[0].Kind == TokenKind.Literal);
        IsPrefixMatch = (tokens.Length == 1 && tokens[0].Kind == TokenKind.Star)
            || (tokens.Length == 2 && tokens[0].Kind == TokenKind.Literal && tokens[1].Kind == TokenKind.Star);

        int min = 0;
        int max = 0;
        bool hasStar = false;
        foreach (Token token in tokens)
        {
            switch (token.Kind)
            {
                case TokenKind.Literal:
                    min += token.Length;
                    max += token.Length;
                    break;
                case TokenKind.Star:
                    hasStar = true;
                    break;
                default:
                    min += 1;
                    max += 2;
                    break;
            }
        }

        _minLength = min;
        _maxLength = hasStar ? int.MaxValue : max;
    }

    private enum TokenKind : byte
    {
        Literal,
        Star,
        AnyChar,
        Class,
        NegatedClass,
    }

    /// <summary>Gets the pattern <c>*</c>, which matches every key; used when no pattern is given.</summary>
    public static GlobPattern MatchAll { get; } = Parse("*");

    /// <summary>Gets the source text of the pattern, exactly as it was parsed.</summary>
    public string Pattern { get; }

    /// <summary>
    /// Gets the unescaped literal text that every match starts with (the text before the first unescaped
    /// metacharacter), so that backends can narrow a scan to a key range before matching exactly.
    /// </summary>
    public string LiteralPrefix { get; }

    /// <summary>Gets a value indicating whether the pattern has no wildcard at all and so matches exactly <see cref="LiteralPrefix"/>.</summary>
    public bool IsLiteral { get; }

    /// <summary>
    /// Gets a value indicating whether the pattern is a literal prefix followed only by one or more <c>*</c>, and so
    /// matches exactly the strings that start with <see cref="LiteralPrefix"/>.
    /// </summary>
    public bool IsPrefixMatch { get; }

    /// <summary>Parses and compiles a glob pattern once, so that it can be matched against many keys cheaply.</summary>
    /// <param name="pattern">The glob pattern text.</param>
    /// <returns>The compiled pattern.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="pattern"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// The pattern is malformed (unclosed <c>[</c>, empty class, trailing <c>\</c>, reversed range or lone surrogate);
    /// the message names the problem and its index.
    /// </exception>
    public static GlobPattern Parse(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        string? error = TryCompile(pattern, out GlobPattern? result);
        if (error is not null)
        {
            throw new ArgumentException(error, nameof(pattern));
        }

        return result!;
    }

    /// <summary>Parses a glob pattern without throwing, for validating untrusted input.</summary>
    /// <param name="pattern">The glob pattern text; <see langword="null"/> is not a valid pattern.</param>
    /// <param name="result">The compiled pattern when parsing succeeded; otherwise <see langword="null"/>.</param>
    /// <returns><see langword="true"/> if <paramref name="pattern"/> is a well-formed pattern.</returns>
    public static bool TryParse(string? pattern, [NotNullWhen(true)] out GlobPattern? result)
    {
        if (pattern is null)
        {
            result = null;
            return false;
        }

        return TryCompile(pattern, out result) is null;
    }

    /// <summary>
    /// Escapes the metacharacters <c>* ? [ ] \</c> in <paramref name="literal"/>, so that
    /// <c>Parse(Escape(s))</c> matches exactly <c>s</c> and nothing else.
    /// </summary>
    /// <param name="literal">The literal text to escape.</param>
    /// <returns>A pattern that matches only <paramref name="literal"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="literal"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="literal"/> contains a lone surrogate, which no glob pattern can contain.
    /// </exception>
    public static string Escape(string literal)
    {
        ArgumentNullException.ThrowIfNull(literal);
        int lone = IndexOfLoneSurrogate(literal);
        if (lone >= 0)
        {
            throw new ArgumentException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Cannot escape a string that contains a lone surrogate (U+{(int)literal[lone]:X4} at index {lone}): glob patterns cannot contain lone surrogates."),
                nameof(literal));
        }

        int first = literal.AsSpan().IndexOfAny(s_escapeChars);
        if (first < 0)
        {
            return literal;
        }

        var builder = new StringBuilder(literal.Length + 8);
        builder.Append(literal, 0, first);
        for (int i = first; i < literal.Length; i++)
        {
            char c = literal[i];
            if (s_escapeChars.Contains(c))
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    /// <summary>Tests whether <paramref name="text"/> (a key relative to its scope) matches the whole pattern, without allocating.</summary>
    /// <param name="text">The text to test.</param>
    /// <returns><see langword="true"/> if the entire text matches the pattern.</returns>
    public bool IsMatch(ReadOnlySpan<char> text)
    {
        if (IsLiteral)
        {
            return text.SequenceEqual(LiteralPrefix);
        }

        if (IsPrefixMatch)
        {
            return text.StartsWith(LiteralPrefix, StringComparison.Ordinal);
        }

        if (text.Length < _minLength || text.Length > _maxLength)
        {
            return false;
        }

        return MatchGeneral(text);
    }

    /// <summary>Tests whether <paramref name="text"/> (a key relative to its scope) matches the whole pattern, without allocating.</summary>
    /// <param name="text">The text to test.</param>
    /// <returns><see langword="true"/> if the entire text matches the pattern.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is <see langword="null"/>.</exception>
    public bool IsMatch(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return IsMatch(text.AsSpan());
    }

    /// <summary>Returns the source text of the pattern.</summary>
    /// <returns><see cref="Pattern"/>.</returns>
    public override string ToString() => Pattern;

    // The classic iterative wildcard algorithm: each star-free segment matches deterministically, so it suffices to
    // remember the last star and, on a mismatch, let that star swallow one more scalar. O(text * pattern) worst case,
    // no recursion, no allocation.
    private bool MatchGeneral(ReadOnlySpan<char> text)
    {
        Token[] tokens = _tokens;
        int p = 0;
        int t = 0;
        int starP = -1;
        int starT = 0;

        while (true)
        {
            if (p < tokens.Length)
            {
                Token token = tokens[p];
                if (token.Kind == TokenKind.Star)
                {
                    p++;
                    if (p == tokens.Length)
                    {
                        return true; // A trailing star matches whatever is left.
                    }

                    // When a literal follows the star, jump straight to its next occurrence (vectorized search).
                    t = SkipToLiteral(tokens[p], text, t);
                    if (t < 0)
                    {
                        return false;
                    }

                    starP = p;
                    starT = t;
                    continue;
                }

                if (t < text.Length)
                {
                    int consumed = MatchToken(token, text, t);
                    if (consumed > 0)
                    {
                        p++;
                        t += consumed;
                        continue;
                    }
                }
            }
            else if (t == text.Length)
            {
                return true;
            }

            // Mismatch: backtrack to the last star and let it consume one more scalar.
            if (starP < 0 || starT >= text.Length)
            {
                return false;
            }

            ReadScalar(text, starT, out int width);
            starT = SkipToLiteral(tokens[starP], text, starT + width);
            if (starT < 0)
            {
                return false;
            }

            t = starT;
            p = starP;
        }
    }

    // If the token after a star is a literal, returns the first index at or after `from` where that literal occurs
    // (or -1: then no later position can match either); otherwise returns `from`. A literal never starts with a low
    // surrogate, so the index found is never inside a surrogate pair.
    private int SkipToLiteral(Token next, ReadOnlySpan<char> text, int from)
    {
        if (next.Kind != TokenKind.Literal)
        {
            return from;
        }

        int found = text[from..].IndexOf(_literals.AsSpan(next.Start, next.Length));
        return found < 0 ? -1 : from + found;
    }

    // Returns the number of UTF-16 code units the token consumes at text[index], or 0 if it does not match there.
    private int MatchToken(Token token, ReadOnlySpan<char> text, int index)
    {
        switch (token.Kind)
        {
            case TokenKind.Literal:
                return text[index..].StartsWith(_literals.AsSpan(token.Start, token.Length)) ? token.Length : 0;
            case TokenKind.AnyChar:
                ReadScalar(text, index, out int anyWidth);
                return anyWidth;
            default:
                int scalar = ReadScalar(text, index, out int width);
                bool member = false;
                int[] ranges = _ranges;
                int end = token.Start + (2 * token.Length);
                for (int r = token.Start; r < end; r += 2)
                {
                    if (scalar >= ranges[r] && scalar <= ranges[r + 1])
                    {
                        member = true;
                        break;
                    }
                }

                return member != (token.Kind == TokenKind.NegatedClass) ? width : 0;
        }
    }

    // Reads one Unicode scalar; a lone surrogate counts as one character whose value is its code unit.
    private static int ReadScalar(ReadOnlySpan<char> text, int index, out int width)
    {
        char c = text[index];
        if (char.IsHighSurrogate(c) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]))
        {
            width = 2;
            return char.ConvertToUtf32(c, text[index + 1]);
        }

        width = 1;
        return c;
    }

    private static int IndexOfLoneSurrogate(string s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return i;
            }
        }

        return -1;
    }

    // Compiles the pattern; returns null on success or the error message of a malformed pattern.
    private static string? TryCompile(string pattern, out GlobPattern? result)
    {
        result = null;
        var tokens = new List<Token>();
        var literals = new StringBuilder();
        var ranges = new List<int>();
        int runStart = -1;

        void FlushLiteral()
        {
            if (runStart >= 0)
            {
                tokens.Add(new Token(TokenKind.Literal, runStart, literals.Length - runStart));
                runStart = -1;
            }
        }

        int i = 0;
        while (i < pattern.Length)
        {
            char c = pattern[i];
            switch (c)
            {
                case '*':
                    FlushLiteral();
                    if (tokens.Count == 0 || tokens[^1].Kind != TokenKind.Star)
                    {
                        tokens.Add(new Token(TokenKind.Star, 0, 0));
                    }

                    i++;
                    break;

                case '?':
                    FlushLiteral();
                    tokens.Add(new Token(TokenKind.AnyChar, 0, 0));
                    i++;
                    break;

                case '[':
                    FlushLiteral();
                    string? classError = ParseClass(pattern, ref i, ranges, out Token classToken);
                    if (classError is not null)
                    {
                        return classError;
                    }

                    tokens.Add(classToken);
                    break;

                default:
                    int start = i;
                    if (c == '\\')
                    {
                        if (i + 1 >= pattern.Length)
                        {
                            return Malformed(pattern, "trailing '\\'", i);
                        }

                        start = i + 1;
                    }

                    string? scalarError = ReadPatternScalar(pattern, start, out _, out int width);
                    if (scalarError is not null)
                    {
                        return scalarError;
                    }

                    if (runStart < 0)
                    {
                        runStart = literals.Length;
                    }

                    literals.Append(pattern, start, width);
                    i = start + width;
                    break;
            }
        }

        FlushLiteral();
        result = new GlobPattern(pattern, [.. tokens], literals.ToString(), [.. ranges]);
        return null;
    }

    // Parses a class starting at pattern[index] == '['; on success index is just past the closing ']'.
    private static string? ParseClass(string pattern, ref int index, List<int> ranges, out Token token)
    {
        token = default;
        int open = index;
        int j = index + 1;
        bool negated = false;
        if (j < pattern.Length && (pattern[j] == '!' || pattern[j] == '^'))
        {
            negated = true;
            j++;
        }

        int bodyStart = j;
        int rangeStart = ranges.Count;
        while (true)
        {
            if (j >= pattern.Length)
            {
                return j == bodyStart + 1 && pattern[bodyStart] == ']'
                    ? Malformed(pattern, string.Concat("empty class '", pattern.AsSpan(open, j - open), "'"), open)
                    : Malformed(pattern, "unclosed '['", open);
            }

            if (pattern[j] == ']' && j > bodyStart)
            {
                j++;
                break;
            }

            int memberStart = j;
            string? error = ReadClassMember(pattern, ref j, out int low);
            if (error is not null)
            {
                return error;
            }

            int high = low;
            if (j + 1 < pattern.Length && pattern[j] == '-' && pattern[j + 1] != ']')
            {
                j++;
                error = ReadClassMember(pattern, ref j, out high);
                if (error is not null)
                {
                    return error;
                }

                if (low > high)
                {
                    return Malformed(
                        pattern,
                        string.Concat("reversed range '", pattern.AsSpan(memberStart, j - memberStart), "'"),
                        memberStart);
                }
            }

            ranges.Add(low);
            ranges.Add(high);
        }

        index = j;
        token = new Token(negated ? TokenKind.NegatedClass : TokenKind.Class, rangeStart, (ranges.Count - rangeStart) / 2);
        return null;
    }

    // Reads one (possibly escaped) class member scalar at pattern[index] and advances index past it.
    private static string? ReadClassMember(string pattern, ref int index, out int scalar)
    {
        int start = index;
        if (pattern[index] == '\\')
        {
            if (index + 1 >= pattern.Length)
            {
                scalar = 0;
                return Malformed(pattern, "trailing '\\'", index);
            }

            start = index + 1;
        }

        string? error = ReadPatternScalar(pattern, start, out scalar, out int width);
        index = start + width;
        return error;
    }

    private static string? ReadPatternScalar(string pattern, int index, out int scalar, out int width)
    {
        char c = pattern[index];
        if (!char.IsSurrogate(c))
        {
            scalar = c;
            width = 1;
            return null;
        }

        if (char.IsHighSurrogate(c) && index + 1 < pattern.Length && char.IsLowSurrogate(pattern[index + 1]))
        {
            scalar = char.ConvertToUtf32(c, pattern[index + 1]);
            width = 2;
            return null;
        }

        scalar = 0;
        width = 1;
        return Malformed(
            pattern,
            string.Create(CultureInfo.InvariantCulture, $"lone surrogate U+{(int)c:X4}"),
            index);
    }

    private static string Malformed(string pattern, string problem, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"Malformed glob pattern '{pattern}': {problem} at index {index}.");

    // Literal: Start/Length index _literals. Class: Start indexes _ranges (inclusive low/high pairs), Length counts pairs.
    private readonly struct Token(TokenKind kind, int start, int length)
    {
        public TokenKind Kind { get; } = kind;

        public int Start { get; } = start;

        public int Length { get; } = length;
    }
}
