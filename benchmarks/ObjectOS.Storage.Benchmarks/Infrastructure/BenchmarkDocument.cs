using System.Text.Json;

namespace ObjectOS.Storage.Benchmarks.Infrastructure;

/// <summary>The two value sizes every point-operation benchmark runs with.</summary>
public enum ValueSize
{
    /// <summary>A flat document of about 100 bytes of JSON.</summary>
    Small100B,

    /// <summary>A document with a list of line items, about 10 KB of JSON.</summary>
    Large10KB,
}

/// <summary>
/// The value stored by the benchmarks: a plain mutable class, serialized the same way by the library and by every
/// baseline. <see cref="Revision"/> is bumped before each write so that every write changes the stored JSON
/// (an identical SQLite upsert would be a no-op without a page write or fsync).
/// </summary>
public sealed class BenchmarkDocument
{
    public int Id { get; set; }

    public long Revision { get; set; }

    public string Title { get; set; } = string.Empty;

    public bool Active { get; set; }

    public DateTimeOffset Updated { get; set; }

    public List<BenchmarkLineItem> Items { get; set; } = [];

    /// <summary>Creates a document whose JSON is about 100 bytes or about 10 KB.</summary>
    public static BenchmarkDocument Create(ValueSize size, int id)
    {
        var document = new BenchmarkDocument
        {
            Id = id,
            Revision = 1,
            Title = "Quarterly report for account 0042",
            Active = true,
            Updated = new DateTimeOffset(2025, 11, 26, 12, 0, 0, TimeSpan.Zero),
        };

        if (size == ValueSize.Large10KB)
        {
            for (var i = 0; i < 104; i++)
            {
                document.Items.Add(new BenchmarkLineItem
                {
                    Sku = 100_000 + i,
                    Name = $"Line item number {i:D3} with a description",
                    Quantity = i % 7 + 1,
                    UnitPrice = 19.99m + i,
                });
            }
        }

        return document;
    }
}

/// <summary>One line of a large <see cref="BenchmarkDocument"/>.</summary>
public sealed class BenchmarkLineItem
{
    public int Sku { get; set; }

    public string Name { get; set; } = string.Empty;

    public int Quantity { get; set; }

    public decimal UnitPrice { get; set; }
}

/// <summary>The JSON settings shared by the library (its default) and every hand-written baseline.</summary>
public static class BenchmarkJson
{
    /// <summary>The library's default: <see cref="JsonSerializerDefaults.Web"/>, reflection-based, metadata cached after first use.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static byte[] Serialize(BenchmarkDocument document) => JsonSerializer.SerializeToUtf8Bytes(document, Options);

    public static BenchmarkDocument Deserialize(ReadOnlySpan<byte> utf8Json) => JsonSerializer.Deserialize<BenchmarkDocument>(utf8Json, Options)!;

    public static BenchmarkDocument Deserialize(string json) => JsonSerializer.Deserialize<BenchmarkDocument>(json, Options)!;

    public static string SerializeToString(BenchmarkDocument document) => JsonSerializer.Serialize(document, Options);
}
