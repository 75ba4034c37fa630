using System.Buffers;
using System.Text;

namespace ObjectOS.Storage.Redis;

/// <summary>
/// Redis Cluster key-to-slot mapping (CRC16/XMODEM of the key bytes, or of its first non-empty <c>{hash tag}</c>,
/// modulo 16384) and a table of short hash tags, one per slot, so that an index key can be placed in the very slot
/// of the data keys it lists.
/// </summary>
internal static class RedisHashSlot
{
    /// <summary>The number of hash slots in a Redis Cluster.</summary>
    public const int SlotCount = 16384;

    private const int StackLimit = 512;
    private const string TagAlphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    private static readonly ushort[] Crc16Table = BuildCrc16Table();

    // One short alphanumeric tag per slot: "{" + Tags[s] + "}" hashes to slot s. Immutable once built.
    private static readonly Lazy<string[]> Tags = new(BuildTags, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The hash slot of <paramref name="key"/> (UTF-8), honouring hash tags exactly as Redis does.</summary>
    public static int Of(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var length = Encoding.UTF8.GetByteCount(key);
        byte[]? rented = null;
        Span<byte> buffer = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var written = Encoding.UTF8.GetBytes(key, buffer);
            return Of(buffer[..written]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The hash slot of the raw key bytes <paramref name="key"/>, honouring hash tags exactly as Redis does.</summary>
    public static int Of(ReadOnlySpan<byte> key)
    {
        var open = key.IndexOf((byte)'{');
        if (open >= 0)
        {
            var close = key[(open + 1)..].IndexOf((byte)'}');
            if (close > 0)
            {
                key = key.Slice(open + 1, close);
            }
        }

        return Crc16(key) & (SlotCount - 1);
    }

    /// <summary>A short alphanumeric hash tag whose keys (<c>...{tag}...</c>) live in slot <paramref name="slot"/>.</summary>
    public static string TagFor(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slot, SlotCount);
        return Tags.Value[slot];
    }

    /// <summary>Whether <paramref name="text"/> contains a complete, non-empty hash tag, which then decides the slot of every key it starts.</summary>
    public static bool HasHashTag(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var open = text.IndexOf('{', StringComparison.Ordinal);
        return open >= 0 && text.IndexOf('}', open + 1) > open + 1;
    }

    private static int Crc16(ReadOnlySpan<byte> data)
    {
        var crc = 0;
        foreach (var b in data)
        {
            crc = ((crc << 8) & 0xFFFF) ^ Crc16Table[((crc >> 8) ^ b) & 0xFF];
        }

        return crc;
    }

    private static ushort[] BuildCrc16Table()
    {
        var table = new ushort[256];
        for (var i = 0; i < 256; i++)
        {
            var crc = i << 8;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }

            table[i] = (ushort)(crc & 0xFFFF);
        }

        return table;
    }

    private static string[] BuildTags()
    {
        var tags = new string?[SlotCount];
        var found = 0;
        Span<byte> candidate = stackalloc byte[4];
        for (var length = 1; length <= 4 && found < SlotCount; length++)
        {
            var total = (int)Math.Pow(TagAlphabet.Length, length);
            for (var n = 0; n < total && found < SlotCount; n++)
            {
                var rest = n;
                for (var i = 0; i < length; i++)
                {
                    candidate[i] = (byte)TagAlphabet[rest % TagAlphabet.Length];
                    rest /= TagAlphabet.Length;
                }

                var slot = Crc16(candidate[..length]) & (SlotCount - 1);
                if (tags[slot] is null)
                {
                    tags[slot] = Encoding.ASCII.GetString(candidate[..length]);
                    found++;
                }
            }
        }

        if (found < SlotCount)
        {
            throw new InvalidOperationException("Could not find a hash tag for every Redis Cluster slot.");
        }

        return tags!;
    }
}
