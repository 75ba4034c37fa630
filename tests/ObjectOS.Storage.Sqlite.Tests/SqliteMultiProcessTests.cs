using System.Globalization;

namespace ObjectOS.Storage.Sqlite.Tests;

/// <summary>
/// Real processes on one file: two writers under contention, and a writer killed with SIGKILL at random moments that
/// must never lose a write it acknowledged nor leave a damaged file.
/// </summary>
[Collection(nameof(SqliteMultiProcessTests))] // child processes are heavy: run these one at a time
public sealed class SqliteMultiProcessTests : SqliteTestBase
{
    [Fact]
    public async Task Two_processes_read_and_write_one_file_without_busy_errors()
    {
        var path = Directory.NewDatabasePath();
        await using (var init = new StoragePlugin(new SqliteStorageBackend(NewOptions(path))))
        {
            await init.InitializeAsync(); // both processes then start on an existing file
        }

        using var child = ChildProcess.Start("contend", path, "child", "600");
        Assert.True(await EventuallyAsync(() => child.LineCount > 0), $"the child did not start: {child.Errors}");
        await Program.ContendAsync(path, "parent", 600);
        var exit = await child.WaitForExitAsync(TimeSpan.FromSeconds(90));
        var output = await child.AllLinesAsync();
        Assert.True(exit == 0, $"child failed: {string.Join('\n', output)} {child.Errors}");
        Assert.Equal(["ready", "ok"], output);

        await using var check = new StoragePlugin(new SqliteStorageBackend(NewOptions(path)));
        Assert.Equal(400, (await check.GetScopedStorage("child").KeysAsync()).Count);
        Assert.Equal(400, (await check.GetScopedStorage("parent").KeysAsync()).Count);
    }

    [Fact]
    public async Task Acknowledged_writes_survive_sigkill_at_random_moments()
    {
        var path = Directory.NewDatabasePath();
        var random = new Random();
        var acknowledged = new Dictionary<string, int>(StringComparer.Ordinal);
        const int Rounds = 5;
        for (var round = 0; round < Rounds; round++)
        {
            using var child = ChildProcess.Start("writer", path, "r" + round, "8");
            // Kill at a random moment: after a random number of acknowledged writes plus a random delay.
            var threshold = random.Next(1, 400);
            var started = await EventuallyAsync(() => child.LineCount >= threshold);
            Assert.True(started, $"the writer acknowledged only {child.LineCount} writes; stderr: {child.Errors}");
            await Task.Delay(random.Next(0, 60));
            await child.KillAsync();

            var lines = await child.AllLinesAsync();
            foreach (var line in lines)
            {
                var parts = line.Split(' ');
                Assert.True(parts.Length == 3 && parts[0] == "ack", $"unexpected output line '{line}'");
                acknowledged[parts[1]] = int.Parse(parts[2], CultureInfo.InvariantCulture);
            }

            Assert.True(lines.Count >= threshold);
            AssertIntact(path, acknowledged);
        }
    }

    // The file passes integrity_check and holds every acknowledged key with its value; a plain connection opens it
    // as a restarted process would, recovering from the WAL.
    private static void AssertIntact(string path, Dictionary<string, int> acknowledged)
    {
        using var connection = OpenRaw(path);
        Assert.Equal("ok", Scalar(connection, "PRAGMA integrity_check"));
        var stored = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT key, value FROM storage";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                stored[reader.GetString(0)] = reader.GetString(1);
            }
        }

        var missing = acknowledged.Keys.Where(k => !stored.ContainsKey(k)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} acknowledged keys are missing, e.g. {string.Join(", ", missing.Take(5))}");
        foreach (var (key, index) in acknowledged)
        {
            Assert.Equal("\"" + Program.ValueFor(key, index) + "\"", stored[key]);
        }
    }
}
