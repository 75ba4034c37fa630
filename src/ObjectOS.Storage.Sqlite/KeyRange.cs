using System.Text;

namespace ObjectOS.Storage.Sqlite;

/// <summary>
/// The index range <c>key &gt;= Lower AND key &lt; Upper</c> that holds exactly the keys starting with a prefix.
/// SQLite compares TEXT with the BINARY collation, byte by byte in UTF-8. <see cref="Upper"/> is the prefix
/// followed by the byte 0xFF, which never occurs in UTF-8 text: every key that starts with the prefix sorts below
/// it, and every key at or above <see cref="Lower"/> that does not start with the prefix differs from it at an
/// earlier byte with a larger value, so it sorts above <see cref="Upper"/> too.
/// </summary>
internal readonly struct KeyRange
{
    private KeyRange(byte[] upper) => Upper = upper;

    /// <summary>The prefix itself, in UTF-8: the inclusive lower bound.</summary>
    public ReadOnlySpan<byte> Lower => Upper.AsSpan(0, Upper.Length - 1);

    /// <summary>The exclusive upper bound: the prefix's UTF-8 bytes followed by 0xFF.</summary>
    public byte[] Upper { get; }

    public static KeyRange ForPrefix(string prefix)
    {
        var upper = new byte[Encoding.UTF8.GetByteCount(prefix) + 1];
        Encoding.UTF8.GetBytes(prefix, upper);
        upper[^1] = 0xFF;
        return new KeyRange(upper);
    }
}
