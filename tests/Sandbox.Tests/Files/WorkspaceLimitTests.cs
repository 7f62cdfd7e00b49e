using Platform.Sandbox.Files;

namespace Platform.Sandbox.Tests.Files;

public sealed class WorkspaceLimitTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly WorkspaceJail _jail;

    public WorkspaceLimitTests() =>
        _jail = new WorkspaceJail(_temp.Path, new WorkspaceLimits { MaxReadBytes = 100, MaxWriteBytes = 100, QuotaBytes = 250 });

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Read_of_a_file_over_the_limit_is_refused()
    {
        File.WriteAllBytes(Path.Join(_jail.Root, "big.bin"), new byte[101]);
        File.WriteAllBytes(Path.Join(_jail.Root, "ok.bin"), new byte[100]);

        Assert.False(_jail.TryCheckRead(Path.Join(_jail.Root, "big.bin"), out var reason));
        Assert.Contains("read limit", reason, StringComparison.Ordinal);
        Assert.True(_jail.TryCheckRead(Path.Join(_jail.Root, "ok.bin"), out _));
    }

    [Fact]
    public void Read_of_a_missing_file_is_refused()
    {
        Assert.False(_jail.TryCheckRead(Path.Join(_jail.Root, "missing"), out _));
    }

    [Fact]
    public void Write_over_the_size_limit_is_refused()
    {
        Assert.False(_jail.TryCheckWrite(Path.Join(_jail.Root, "a"), 101, out var reason));
        Assert.Contains("exceeds the limit", reason, StringComparison.Ordinal);
        Assert.True(_jail.TryCheckWrite(Path.Join(_jail.Root, "a"), 100, out _));
    }

    [Fact]
    public void Write_that_would_exceed_the_quota_is_refused()
    {
        Directory.CreateDirectory(Path.Join(_jail.Root, "sub"));
        File.WriteAllBytes(Path.Join(_jail.Root, "one"), new byte[100]);
        File.WriteAllBytes(Path.Join(_jail.Root, "sub", "two"), new byte[100]);

        Assert.Equal(200, WorkspaceQuota.UsedBytes(_jail.Root));
        Assert.False(_jail.TryCheckWrite(Path.Join(_jail.Root, "three"), 51, out var reason));
        Assert.Contains("quota", reason, StringComparison.Ordinal);
        Assert.True(_jail.TryCheckWrite(Path.Join(_jail.Root, "three"), 50, out _));
    }

    [Fact]
    public void Overwriting_a_file_counts_only_the_difference_against_the_quota()
    {
        File.WriteAllBytes(Path.Join(_jail.Root, "one"), new byte[100]);
        File.WriteAllBytes(Path.Join(_jail.Root, "two"), new byte[100]);

        Assert.True(_jail.TryCheckWrite(Path.Join(_jail.Root, "two"), 100, out var reason), reason);
    }

    [Fact]
    public void Links_are_not_counted_towards_the_quota()
    {
        using var outside = new TempDirectory();
        File.WriteAllBytes(Path.Join(outside.Path, "huge"), new byte[1000]);
        Directory.CreateSymbolicLink(Path.Join(_jail.Root, "out"), outside.Path);

        Assert.Equal(0, WorkspaceQuota.UsedBytes(_jail.Root));
    }

    [Fact]
    public void Writing_to_a_directory_is_refused()
    {
        Directory.CreateDirectory(Path.Join(_jail.Root, "dir"));

        Assert.False(_jail.TryCheckWrite(Path.Join(_jail.Root, "dir"), 1, out _));
    }
}
