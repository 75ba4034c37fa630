using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ObjectOS.Storage.Sqlite.Tests;

/// <summary>
/// The child-process modes of this test assembly (run with <c>dotnet ObjectOS.Storage.Sqlite.Tests.dll MODE ...</c>):
/// <list type="bullet">
/// <item><c>writer PATH PREFIX CONCURRENCY</c>: writes keys continuously and prints <c>ack KEY</c> for each write
/// whose SetAsync completed, until killed (or after 60 s, so a crashed test never leaves it running).</item>
/// <item><c>contend PATH PREFIX COUNT</c>: writes, reads back, deletes and lists COUNT keys, prints <c>ok</c> or the error.</item>
/// </list>
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 4 && args[0] == "writer")
        {
            await RunWriterAsync(args[1], args[2], int.Parse(args[3], CultureInfo.InvariantCulture));
            return 0;
        }

        if (args.Length == 4 && args[0] == "contend")
        {
            return await RunContenderAsync(args[1], args[2], int.Parse(args[3], CultureInfo.InvariantCulture));
        }

        await Console.Error.WriteLineAsync("usage: writer PATH PREFIX CONCURRENCY | contend PATH PREFIX COUNT");
        return 2;
    }

    /// <summary>The value the writer stores under a key: sizes vary so that pages split and the WAL checkpoints.</summary>
    public static string ValueFor(string key, int index) => key + ":" + new string('x', (index * 37) % 3000);

    private static async Task RunWriterAsync(string path, string prefix, int concurrency)
    {
        var stdout = Console.OpenStandardOutput();
        var gate = new Lock();
        await using var storage = new StoragePlugin(new SqliteStorageBackend(new SqliteStorageOptions { Path = path }));
        await storage.InitializeAsync();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var writers = Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var key = $"{prefix}:{worker}:{i}";
                await storage.SetAsync(key, ValueFor(key, i));
                // One write call per complete line, so a kill can only cut off the last, unterminated line.
                var line = Encoding.UTF8.GetBytes($"ack {key} {i}\n");
                lock (gate)
                {
                    stdout.Write(line);
                    stdout.Flush();
                }
            }
        }));
        await Task.WhenAll(writers);
    }

    private static async Task<int> RunContenderAsync(string path, string prefix, int count)
    {
        try
        {
            await ContendAsync(path, prefix, count, () => Console.WriteLine("ready"));
            Console.WriteLine("ok");
            return 0;
        }
        catch (Exception error)
        {
            Console.WriteLine("error " + error.ToString().Replace('\n', ' '));
            return 1;
        }
    }

    /// <summary>Writes, reads back, deletes and lists keys under one prefix, checking every answer; used by both processes.</summary>
    public static async Task ContendAsync(string path, string prefix, int count, Action? ready = null)
    {
        await using var storage = new StoragePlugin(new SqliteStorageBackend(new SqliteStorageOptions { Path = path }));
        await storage.InitializeAsync();
        ready?.Invoke();
        var scope = storage.GetScopedStorage(prefix);
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, cancellationToken) =>
        {
            var key = "k" + i.ToString(CultureInfo.InvariantCulture);
            await scope.SetAsync(key, new { prefix, i }, cancellationToken: cancellationToken);
            var back = await scope.GetAsync<JsonElement>(key, cancellationToken);
            if (back.GetProperty("i").GetInt32() != i)
            {
                throw new InvalidOperationException($"read back {back} for {key}");
            }

            if (i % 3 == 0 && !await scope.DeleteAsync(key, cancellationToken))
            {
                throw new InvalidOperationException($"delete of {key} found nothing");
            }
        });

        var keys = await scope.KeysAsync();
        var expected = Enumerable.Range(0, count).Where(i => i % 3 != 0).Select(i => "k" + i.ToString(CultureInfo.InvariantCulture)).Order(StringComparer.Ordinal).ToList();
        if (!keys.SequenceEqual(expected))
        {
            throw new InvalidOperationException($"listed {keys.Count} keys, expected {expected.Count}");
        }
    }
}
