using System.Text;
using System.Text.Json;

namespace ObjectOS.Storage.Sqlite.Tests;

/// <summary>The file layout is the original Node.js package's, so both can share one file; the schema version is recorded.</summary>
public sealed class SqliteLayoutTests : SqliteTestBase
{
    private const string NodeTable = "CREATE TABLE IF NOT EXISTS storage (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER)";
    private const string NodeIndex = "CREATE INDEX IF NOT EXISTS idx_expires_at ON storage(expires_at)";

    [Fact]
    public async Task A_new_file_gets_the_reference_table_index_wal_and_schema_version()
    {
        var path = System.IO.Path.Combine(Directory.Path, "nested", "deeper", "storage.db");
        await CreateStorageAsync(NewOptions(path));

        Assert.True(File.Exists(path), "missing directories and the file are created");
        using var raw = OpenRaw(path);
        Assert.Equal(NodeTable.Replace(" IF NOT EXISTS", ""), Scalar(raw, "SELECT sql FROM sqlite_master WHERE name = 'storage'"));
        Assert.Equal(NodeIndex.Replace(" IF NOT EXISTS", ""), Scalar(raw, "SELECT sql FROM sqlite_master WHERE name = 'idx_expires_at'"));
        Assert.Equal(1L, Scalar(raw, "PRAGMA user_version"));
        Assert.Equal("wal", Scalar(raw, "PRAGMA journal_mode"));
    }

    [Fact]
    public async Task Wal_false_keeps_a_rollback_journal_and_everything_still_works()
    {
        var options = NewOptions();
        options.Wal = false;
        var (storage, _) = await CreateStorageAsync(options);
        await storage.SetAsync("k", 1);
        Assert.Equal(1, await storage.GetAsync<int>("k"));
        using var raw = OpenRaw(options.Path);
        Assert.Equal("delete", Scalar(raw, "PRAGMA journal_mode"));
    }

    [Fact]
    public async Task Values_are_json_text_and_expiry_is_epoch_milliseconds_from_the_configured_clock()
    {
        var (storage, backend) = await CreateStorageAsync();
        var scoped = storage.GetScopedStorage("my-plugin");
        await scoped.SetAsync("config", new { theme = "dark" });
        await scoped.SetAsync("session", new { user = "john" }, TimeSpan.FromSeconds(60));
        await scoped.SetAsync("short", 1, TimeSpan.FromTicks(1));

        using var raw = OpenRaw(backend.FilePath!);
        Assert.Equal("text", Scalar(raw, "SELECT typeof(value) FROM storage WHERE key = 'my-plugin:config'"));
        Assert.Equal("""{"theme":"dark"}""", Scalar(raw, "SELECT value FROM storage WHERE key = 'my-plugin:config'"));
        Assert.Equal(DBNull.Value, Scalar(raw, "SELECT expires_at FROM storage WHERE key = 'my-plugin:config'"));
        var now = Time.GetUtcNow().ToUnixTimeMilliseconds();
        Assert.Equal(now + 60_000, Scalar(raw, "SELECT expires_at FROM storage WHERE key = 'my-plugin:session'"));
        Assert.Equal(now + 1, Scalar(raw, "SELECT expires_at FROM storage WHERE key = 'my-plugin:short'"));
    }

    [Fact]
    public async Task A_file_written_by_the_node_package_is_read_correctly_and_adopted()
    {
        var path = Directory.NewDatabasePath();
        var now = Time.GetUtcNow().ToUnixTimeMilliseconds();
        using (var node = OpenRaw(path, Microsoft.Data.Sqlite.SqliteOpenMode.ReadWriteCreate))
        {
            // What the Node.js package does: its DDL, JSON.stringify values, Date.now() + ttl * 1000, user_version left at 0.
            Execute(node, "PRAGMA journal_mode = WAL");
            Execute(node, NodeTable);
            Execute(node, NodeIndex);
            const string Insert = "INSERT INTO storage (key, value, expires_at) VALUES ($k, $v, $e)";
            Execute(node, Insert, ("$k", "my-plugin:config"), ("$v", """{"theme":"dark"}"""), ("$e", null));
            Execute(node, Insert, ("$k", "my-plugin:session"), ("$v", """{"user":"john"}"""), ("$e", now + 30_000));
            Execute(node, Insert, ("$k", "my-plugin:gone"), ("$v", "1"), ("$e", now - 1));
            Execute(node, Insert, ("$k", "other:x"), ("$v", "\"text\""), ("$e", null));
            Execute(node, Insert, ("$k", "rootkey"), ("$v", "[1,2]"), ("$e", null));
        }

        var (storage, _) = await CreateStorageAsync(NewOptions(path));
        var scoped = storage.GetScopedStorage("my-plugin");
        Assert.Equal("dark", (await scoped.GetAsync<JsonElement>("config")).GetProperty("theme").GetString());
        Assert.Equal(TimeSpan.FromSeconds(30), await scoped.GetTimeToLiveAsync("session"));
        Assert.False(await scoped.ExistsAsync("gone"));
        Assert.Equal(["config", "session"], await scoped.KeysAsync());
        Assert.Equal(["my-plugin:config", "my-plugin:session", "other:x", "rootkey"], await storage.KeysAsync());
        var array = await storage.GetAsync<int[]>("rootkey");
        Assert.Equal(new[] { 1, 2 }, array);

        using var raw = OpenRaw(path);
        Assert.Equal(1L, Scalar(raw, "PRAGMA user_version"));
    }

    [Fact]
    public async Task A_file_written_here_is_readable_by_plain_sql_as_the_node_package_reads_it()
    {
        var (storage, backend) = await CreateStorageAsync();
        await storage.GetScopedStorage("@objectos/auth").SetAsync("user:1", new { name = "Zoë 😀", tags = new[] { "a" } });
        await storage.DisposeAsync();

        using var raw = OpenRaw(backend.FilePath!);
        var json = (string)Scalar(raw, "SELECT value FROM storage WHERE key = '@objectos/auth:user:1' AND (expires_at IS NULL OR expires_at > 0)")!;
        using var document = JsonDocument.Parse(json);
        Assert.Equal("Zoë 😀", document.RootElement.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Keys_with_sql_metacharacters_are_plain_data()
    {
        var (storage, backend) = await CreateStorageAsync();
        string[] keys = ["'; DROP TABLE storage; --", "\" OR 1=1 --", "a%_b", "x' || 'y", "\0nul", "semi;colon"];
        foreach (var key in keys)
        {
            await storage.SetAsync(key, key);
        }

        foreach (var key in keys)
        {
            Assert.Equal(key, await storage.GetAsync<string>(key));
            Assert.Equal([key], await storage.KeysAsync(GlobPattern.Escape(key)));
        }

        Assert.Equal(keys.Order(StringComparer.Ordinal), await storage.KeysAsync("*"));
        Assert.Equal(["a%_b"], await storage.KeysAsync("a%_*"));
        Assert.Equal(keys.Length, Count(backend.FilePath!));
    }

    [Fact]
    public async Task Text_values_are_returned_as_the_exact_utf8_bytes_stored()
    {
        var (storage, _) = await CreateStorageAsync();
        var json = """{"emoji":"😀","accents":"éà","cjk":"漢字","escaped":"\u0000"}""";
        await storage.SetBytesAsync("k", Encoding.UTF8.GetBytes(json));
        var bytes = await storage.GetBytesAsync("k");
        Assert.Equal(json, Encoding.UTF8.GetString(bytes!.Value.Span));
    }
}
