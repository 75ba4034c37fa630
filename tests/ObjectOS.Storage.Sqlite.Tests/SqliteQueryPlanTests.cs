using Microsoft.Data.Sqlite;

namespace ObjectOS.Storage.Sqlite.Tests;

/// <summary>
/// Listing and clearing walk the primary-key index range of the literal prefix (never a full scan), and that range
/// holds exactly the keys with the prefix under SQLite's byte-wise BINARY order.
/// </summary>
public sealed class SqliteQueryPlanTests : SqliteTestBase
{
    public static TheoryData<string> RangeStatements => new()
    {
        SqliteSql.ListFirstPage,
        SqliteSql.ListNextPage,
        SqliteSql.CountLiveInRange,
        SqliteSql.DeleteRange,
        SqliteSql.SelectRange,
    };

    [Theory]
    [MemberData(nameof(RangeStatements))]
    public async Task Scoped_listing_and_clearing_statements_search_the_primary_key_index(string sql)
    {
        var (storage, backend) = await CreateStorageAsync();
        // Many keys in other scopes and many with an expiry, so a planner tempted by idx_expires_at or a scan would show it.
        for (var scope = 0; scope < 20; scope++)
        {
            var store = storage.GetScopedStorage("plugin" + scope);
            for (var i = 0; i < 50; i++)
            {
                await store.SetAsync("key" + i, i, i % 2 == 0 ? TimeSpan.FromMinutes(i + 1) : null);
            }
        }

        foreach (var analyzed in new[] { false, true })
        {
            using var raw = OpenRaw(backend.FilePath!);
            if (analyzed)
            {
                Execute(raw, "ANALYZE");
            }

            var plan = ExplainQueryPlan(raw, sql);
            Assert.Contains(plan, step => step.Contains("USING INDEX sqlite_autoindex_storage_1 (key>? AND key<?)", StringComparison.Ordinal)
                || step.Contains("USING COVERING INDEX sqlite_autoindex_storage_1 (key>? AND key<?)", StringComparison.Ordinal));
            Assert.DoesNotContain(plan, step => step.StartsWith("SCAN", StringComparison.Ordinal));
            Assert.DoesNotContain(plan, step => step.Contains("idx_expires_at", StringComparison.Ordinal));
            Assert.DoesNotContain(plan, step => step.Contains("TEMP B-TREE", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task The_sweeper_finds_expired_rows_through_the_expiry_index()
    {
        var (_, backend) = await CreateStorageAsync();
        using var raw = OpenRaw(backend.FilePath!);
        var plan = ExplainQueryPlan(raw, SqliteSql.SweepExpired);
        Assert.Contains(plan, step => step.Contains("idx_expires_at (expires_at<?)", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, step => step.StartsWith("SCAN", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Point_reads_search_the_primary_key_index()
    {
        var (_, backend) = await CreateStorageAsync();
        using var raw = OpenRaw(backend.FilePath!);
        foreach (var sql in new[] { SqliteSql.Get, SqliteSql.GetExpiry, SqliteSql.DeleteOne, SqliteSql.DeleteKey })
        {
            var plan = ExplainQueryPlan(raw, sql);
            Assert.Contains(plan, step => step.Contains("sqlite_autoindex_storage_1 (key=?)", StringComparison.Ordinal));
        }
    }

    // EXPLAIN QUERY PLAN of a statement with its parameters bound to plausible values.
    private static List<string> ExplainQueryPlan(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        for (var i = 1; i <= sql.Count(c => c == '?'); i++)
        {
            command.Parameters.Add(new SqliteParameter("?" + i, i switch
            {
                1 => "plugin3:",
                2 => "plugin3:\uFFFF",
                _ => (object)1000L,
            }));
        }

        var steps = new List<string>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            steps.Add(reader.GetString(3));
        }

        Assert.NotEmpty(steps);
        return steps;
    }

    [Fact]
    public async Task The_prefix_range_holds_exactly_the_keys_with_the_prefix_in_utf8_byte_order()
    {
        var (storage, _) = await CreateStorageAsync();
        // Neighbours of each prefix in UTF-16 and UTF-8 order: supplementary characters sort below U+E000..U+FFFF in
        // UTF-16 but above them in UTF-8; U+10FFFF is the largest scalar; '0x7F' and 0xC0.. bytes border ASCII.
        string[] prefixes = ["a", "é", "😀", "\uFFFF", "\U0010FFFF", "a\u007F", "z:"];
        string[] suffixes = ["", "x", "\u0000", "\u007F", "\u0080", "é", "\uE000", "\uFFFD", "\uFFFF", "😀", "\U0010FFFF", ":*?[", "\n"];
        var all = new List<string>();
        foreach (var prefix in prefixes)
        {
            foreach (var suffix in suffixes)
            {
                all.Add(prefix + suffix);
            }
        }

        all.AddRange(["`", "b", "\u00E8", "\u00EA", "\uD83D\uDE01", "\uFFFE", "\U0010FFFE", "a\u0080", "z;", "z9"]);
        all = all.Where(k => k.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        foreach (var key in all)
        {
            await storage.SetAsync(key, 1);
        }

        foreach (var prefix in prefixes)
        {
            var expected = all.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(expected, await storage.KeysAsync(GlobPattern.Escape(prefix) + "*"));
        }

        Assert.Equal(all.Order(StringComparer.Ordinal), await storage.KeysAsync());
    }

    [Fact]
    public async Task Clearing_a_scope_with_a_neighbouring_scope_keeps_the_neighbour()
    {
        var (storage, _) = await CreateStorageAsync();
        await storage.GetScopedStorage("a").SetAsync("x", 1);
        await storage.GetScopedStorage("a.b").SetAsync("x", 1);
        await storage.GetScopedStorage("a-").SetAsync("x", 1);
        await storage.SetAsync("a", 1);
        await storage.SetAsync("a;", 1);

        Assert.Equal(1, await storage.GetScopedStorage("a").ClearAsync());
        Assert.Equal(["a", "a-:x", "a.b:x", "a;"], await storage.KeysAsync());
    }

    [Fact]
    public async Task Listing_a_large_scope_pages_through_every_key_once()
    {
        var (storage, _) = await CreateStorageAsync();
        var scope = storage.GetScopedStorage("big");
        var expected = Enumerable.Range(0, 1_300).Select(i => "k" + i).Order(StringComparer.Ordinal).ToList();
        await Task.WhenAll(expected.Select(k => scope.SetAsync(k, 1).AsTask()));
        await storage.GetScopedStorage("big2").SetAsync("k", 1);

        Assert.Equal(expected, await scope.KeysAsync());
        var streamed = new List<string>();
        await foreach (var key in scope.EnumerateKeysAsync("k1*"))
        {
            streamed.Add(key);
        }

        Assert.Equal(expected.Where(k => k.StartsWith("k1", StringComparison.Ordinal)), streamed.Order(StringComparer.Ordinal));
        Assert.Equal(1_300, await scope.ClearAsync());
        Assert.Equal(["big2:k"], await storage.KeysAsync());
    }

    [Fact]
    public async Task Clearing_with_a_pattern_deletes_exactly_the_matches_atomically()
    {
        var (storage, backend) = await CreateStorageAsync();
        var scope = storage.GetScopedStorage("p");
        foreach (var key in new[] { "user:1", "user:2", "user:10", "user:x", "users", "other" })
        {
            await scope.SetAsync(key, 1);
        }

        await scope.SetAsync("user:3", 1, TimeSpan.FromSeconds(1));
        Time.Advance(TimeSpan.FromSeconds(2));

        var removed = await backend.DeleteKeysAsync(new KeyQuery("p:", GlobPattern.Parse("user:?")), CancellationToken.None);
        Assert.Equal(3, removed); // user:1, user:2, user:x live; user:3 expired (deleted, not counted)
        Assert.Equal(["other", "user:10", "users"], await scope.KeysAsync());
        Assert.Equal(3, Count(backend.FilePath!));
    }
}
