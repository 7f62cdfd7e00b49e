using Platform.ToolExecution.Upstreams;

namespace Platform.ToolExecution.Tests;

public sealed class StdioLaunchTests
{
    private static readonly UpstreamOptions Server = new()
    {
        Command = "node",
        Args = ["server.js", "--flag"],
        CpuSeconds = 10,
        AddressSpaceBytes = 1024,
        FileSizeBytes = 2048,
        MaxProcesses = 16,
    };

    [Fact]
    public void Without_bubblewrap_the_command_runs_under_prlimit_only()
    {
        var line = StdioLaunch.Build(Server, bwrapPath: null, "/usr/bin/prlimit");

        Assert.False(line.Sandboxed);
        Assert.Equal("/usr/bin/prlimit", line.Command);
        Assert.Equal(["--cpu=10", "--as=1024", "--fsize=2048", "--nproc=16", "--", "node", "server.js", "--flag"], line.Arguments);
    }

    [Fact]
    public void With_bubblewrap_the_system_is_read_only_and_the_network_is_cut()
    {
        var line = StdioLaunch.Build(Server, "/usr/bin/bwrap", "/usr/bin/prlimit");

        Assert.True(line.Sandboxed);
        Assert.Equal("/usr/bin/bwrap", line.Command);
        Assert.Equal(["--ro-bind", "/", "/"], line.Arguments.Take(3));
        Assert.Contains("--unshare-net", line.Arguments);
        Assert.Contains("--unshare-pid", line.Arguments);
        Assert.Contains("--die-with-parent", line.Arguments);
        Assert.Equal(["--", "/usr/bin/prlimit", "--cpu=10"], line.Arguments.SkipWhile(a => a != "--").Take(3));
        Assert.Equal(["node", "server.js", "--flag"], line.Arguments.TakeLast(3));
    }

    [Fact]
    public void Writable_folders_are_bound_read_write_after_the_read_only_binds()
    {
        var line = StdioLaunch.Build(new UpstreamOptions { Command = "x", Args = ["/tmp/data/in"], WritableFolders = ["/tmp/data/in"] }, "/usr/bin/bwrap", "prlimit");
        var arguments = line.Arguments.ToList();
        var writable = arguments.IndexOf("--bind");

        Assert.Equal(["--bind", "/tmp/data/in", "/tmp/data/in"], arguments.Skip(writable).Take(3));
        Assert.True(writable > arguments.LastIndexOf("--ro-bind"), "a later read-only bind would hide the writable one");
        Assert.True(writable < arguments.IndexOf("--"));
    }

    [Theory]
    [InlineData("/srv/data", true)]
    [InlineData("data", false)]
    [InlineData("/srv/../etc", false)]
    [InlineData("/srv/./data", false)]
    [InlineData("", false)]
    public void Only_plain_absolute_folders_may_be_writable(string folder, bool accepted) =>
        Assert.Equal(accepted, UpstreamSupervisor.IsPlainAbsolutePath(folder));

    [Fact]
    public void An_upstream_allowed_the_network_keeps_it()
    {
        var line = StdioLaunch.Build(new UpstreamOptions { Command = "x", AllowNetwork = true }, "/usr/bin/bwrap", "prlimit");

        Assert.DoesNotContain("--unshare-net", line.Arguments);
    }

    [Fact]
    public void A_server_installed_under_tmp_stays_visible_read_only_inside_the_private_tmp()
    {
        var folder = Directory.CreateTempSubdirectory("stdio-launch-");
        try
        {
            var script = Path.Join(folder.FullName, "node_modules", "server", "index.js");
            var line = StdioLaunch.Build(new UpstreamOptions { Command = "node", Args = [script] }, "/usr/bin/bwrap", "prlimit");
            var arguments = line.Arguments.ToList();
            var tmpfs = arguments.IndexOf("/tmp");
            var bind = arguments.IndexOf(folder.FullName);

            Assert.True(tmpfs > 0 && arguments[tmpfs - 1] == "--tmpfs");
            Assert.True(bind > tmpfs, "the folder is bound after the private /tmp, so it shows on top of it");
            Assert.Equal("--ro-bind", arguments[bind - 1]);
            Assert.Equal(folder.FullName, arguments[bind + 1]);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
