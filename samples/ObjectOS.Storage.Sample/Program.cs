// The sample host: the seed's usage on the embedded SQLite default, with two plugins that show scoped storage,
// TTL expiry and enforced isolation. Run it with: dotnet run --project samples/ObjectOS.Storage.Sample
using ObjectOS.Runtime;
using ObjectOS.Storage;
using ObjectOS.Storage.Sqlite;

var path = args.Length > 0 ? args[0] : "./data/storage.db";
var storage = new StoragePlugin(new SqliteStorageBackend(new SqliteStorageOptions
{
    Path = path,
    Wal = true,
}));

var os = new ObjectOSKernel();
await os.RegisterPluginAsync(storage);
await os.RegisterPluginAsync(new NotesPlugin());
await os.RegisterPluginAsync(new AuditPlugin());
await os.StartAsync();

Console.WriteLine($"Storage file: {Path.GetFullPath(path)}");
Console.WriteLine("What the host sees (full access), every key in the store:");
foreach (var key in await storage.KeysAsync())
{
    var ttl = await storage.GetTimeToLiveAsync(key);
    var json = await storage.GetBytesAsync(key) is { } bytes ? System.Text.Encoding.UTF8.GetString(bytes.Span) : "(expired)";
    Console.WriteLine($"  {key,-32} {json,-40} {(ttl == Timeout.InfiniteTimeSpan ? "no expiry" : $"expires in {ttl?.TotalSeconds:0.0}s")}");
}

Console.WriteLine("Waiting 1.5 s for the session to expire...");
await Task.Delay(TimeSpan.FromSeconds(1.5));
var notes = storage.GetScopedStorage(NotesPlugin.Id);
Console.WriteLine($"  session after expiry: {(await notes.ExistsAsync("session") ? "still there (bug!)" : "gone")}");
Console.WriteLine($"  notes keys now: [{string.Join(", ", await notes.KeysAsync())}]");

await os.StopAsync();
Console.WriteLine("Stopped cleanly.");

sealed record Note(string Title, string Body, DateTimeOffset Created);

sealed class NotesPlugin : IPlugin
{
    public const string Id = "@acme/notes";

    public string Name => Id;

    public string Version => "1.0.0";

    public async Task InitAsync(IPluginContext context)
    {
        var storage = context.GetService<IStorageService>("storage").GetScopedStorage(Id);
        await storage.SetAsync("note:1", new Note("Hello", "First note", DateTimeOffset.UtcNow));
        await storage.SetAsync("note:2", new Note("Plans", "Ship ObjectOS.Storage", DateTimeOffset.UtcNow));
        await storage.SetAsync("session", new { user = "john" }, TimeSpan.FromSeconds(1));
        var notes = await storage.KeysAsync("note:*");
        Console.WriteLine($"[{Id}] stored {notes.Count} notes: {string.Join(", ", notes)}; a session that expires in 1 s");
    }
}

sealed class AuditPlugin : IPlugin
{
    public string Name => "@acme/audit";

    public string Version => "1.0.0";

    public IReadOnlyList<string> Dependencies => [NotesPlugin.Id];

    public async Task InitAsync(IPluginContext context)
    {
        var service = context.GetService<IStorageService>("storage");
        var own = service.GetScopedStorage(Name);
        await own.SetAsync("started", DateTimeOffset.UtcNow);
        Console.WriteLine($"[{Name}] own scope keys: [{string.Join(", ", await own.KeysAsync())}]");
        try
        {
            service.GetScopedStorage(NotesPlugin.Id);
            Console.WriteLine($"[{Name}] could open the notes scope (isolation broken!)");
        }
        catch (StorageAccessDeniedException ex)
        {
            Console.WriteLine($"[{Name}] reading another plugin's scope is refused: {ex.Message.Split(';')[0]}");
        }

        try
        {
            await service.KeysAsync();
        }
        catch (StorageAccessDeniedException)
        {
            Console.WriteLine($"[{Name}] listing the unscoped root is refused too");
        }
    }
}
