namespace ObjectOS.Runtime.Tests;

public sealed class KernelRegistrationTests
{
    [Fact]
    public async Task A_duplicate_plugin_name_throws_ArgumentException_naming_it()
    {
        var log = new EventLog();
        await using var kernel = new ObjectOSKernel();
        var first = new TestPlugin("my-plugin", log);
        await kernel.RegisterPluginAsync(first);

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => kernel.RegisterPluginAsync(new TestPlugin("my-plugin", log)));

        Assert.Contains("my-plugin", ex.Message, StringComparison.Ordinal);
        Assert.Equal([first], kernel.Plugins);
    }

    [Fact]
    public async Task Registering_the_same_instance_twice_is_a_duplicate()
    {
        var log = new EventLog();
        await using var kernel = new ObjectOSKernel();
        var plugin = new TestPlugin("p", log);
        await kernel.RegisterPluginAsync(plugin);

        await Assert.ThrowsAsync<ArgumentException>(() => kernel.RegisterPluginAsync(plugin));
        await kernel.StartAsync();

        Assert.Equal(["p"], log.Of("init"));
    }

    [Fact]
    public async Task Plugin_names_differing_only_in_case_are_distinct()
    {
        var log = new EventLog();
        await using var kernel = new ObjectOSKernel();

        await kernel.RegisterPluginAsync(new TestPlugin("plugin", log));
        await kernel.RegisterPluginAsync(new TestPlugin("Plugin", log));

        Assert.Equal(2, kernel.Plugins.Count);
    }

    [Fact]
    public async Task A_null_plugin_throws_ArgumentNullException()
    {
        await using var kernel = new ObjectOSKernel();

        await Assert.ThrowsAsync<ArgumentNullException>(() => kernel.RegisterPluginAsync(null!));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public async Task A_plugin_without_a_name_throws_ArgumentException(string? name)
    {
        await using var kernel = new ObjectOSKernel();

        await Assert.ThrowsAnyAsync<ArgumentException>(() => kernel.RegisterPluginAsync(new TestPlugin(name!, new EventLog())));

        Assert.Empty(kernel.Plugins);
    }

    [Fact]
    public async Task Registering_after_start_throws_InvalidOperationException()
    {
        var log = new EventLog();
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new TestPlugin("a", log));
        await kernel.StartAsync();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => kernel.RegisterPluginAsync(new TestPlugin("late", log)));

        Assert.Contains("late", ex.Message, StringComparison.Ordinal);
        Assert.Single(kernel.Plugins);
        Assert.DoesNotContain("init:late", log.Events);
    }

    [Fact]
    public async Task Registering_after_stop_throws_InvalidOperationException()
    {
        var log = new EventLog();
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new TestPlugin("a", log));
        await kernel.StartAsync();
        await kernel.StopAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => kernel.RegisterPluginAsync(new TestPlugin("late", log)));
    }

    [Fact]
    public async Task Registering_from_inside_InitAsync_throws_InvalidOperationException()
    {
        var log = new EventLog();
        Exception? error = null;
        ObjectOSKernel kernel = new();
        await kernel.RegisterPluginAsync(new TestPlugin("a", log)
        {
            OnInit = async _ => error = await Record.ExceptionAsync(() => kernel.RegisterPluginAsync(new TestPlugin("sneaky", log))),
        });

        await kernel.StartAsync();

        Assert.IsType<InvalidOperationException>(error);
        Assert.DoesNotContain("init:sneaky", log.Events);
        await kernel.DisposeAsync();
    }

    [Fact]
    public async Task RegisterPluginAsync_completes_synchronously_and_calls_no_lifecycle_method()
    {
        var log = new EventLog();
        await using var kernel = new ObjectOSKernel();

        var task = kernel.RegisterPluginAsync(new TestPlugin("a", log));

        Assert.True(task.IsCompletedSuccessfully);
        Assert.Empty(log.Events);
        await task;
    }
}
