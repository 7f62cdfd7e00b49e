using Platform.Sandbox.Files;

namespace Platform.Sandbox.Tests.Files;

public sealed class WorkspaceJailPathTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly WorkspaceJail _jail;
    private readonly string _outside;

    public WorkspaceJailPathTests()
    {
        _jail = new WorkspaceJail(Path.Join(_temp.Path, "tenant"));
        _outside = Path.Join(_temp.Path, "outside");
        Directory.CreateDirectory(_outside);
        File.WriteAllText(Path.Join(_outside, "secret.txt"), "secret");
        Directory.CreateDirectory(Path.Join(_jail.Root, "docs"));
    }

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string, string> HostilePaths => new()
    {
        { "..", "'..'" },
        { "../outside/secret.txt", "'..'" },
        { "docs/../../outside", "'..'" },
        { "docs/..", "'..'" },
        { "./docs", "'.'" },
        { "docs/./a", "'.'" },
        { "...", "'...'" },
        { "/etc/passwd", "relative" },
        { "//server/share/x", "relative" },
        { "\\\\server\\share\\x", "'\\'" },
        { "..\\outside", "'\\'" },
        { "docs\\..\\..\\x", "'\\'" },
        { "C:\\Windows\\win.ini", "':'" },
        { "C:/Windows", "':'" },
        { "c:", "':'" },
        { "file:///etc/passwd", "':'" },
        { "a.txt:stream", "':'" },
        { "%2e%2e%2foutside", "percent-encoding" },
        { "%2e%2e/outside", "percent-encoding" },
        { "..%2foutside", "percent-encoding" },
        { "docs%2f..%2f..%2fx", "percent-encoding" },
        { "docs%5c..%5cx", "percent-encoding" },
        { "%252e%252e%252foutside", "percent-encoding" },
        { "%2E%2E%2F", "percent-encoding" },
        { "a%00b", "percent-encoding" },
        { "a\0b", "U+0000" },
        { "../\0", "U+0000" },
        { "a\nb", "U+000A" },
        { "a\tb", "U+0009" },
        { "a\u007fb", "U+007F" },
        { "a\u202Eb.txt", "U+202E" },
        { "a\u200Bb", "U+200B" },
        { "a\u2028b", "U+2028" },
        { "docs//a", "empty segment" },
        { "docs/", "empty segment" },
        { "/", "relative" },
    };

    [Theory]
    [MemberData(nameof(HostilePaths))]
    public void Hostile_path_is_refused_with_a_reason(string path, string reasonFragment)
    {
        var allowed = _jail.TryResolve(path, out var full, out var reason);

        Assert.False(allowed, $"'{path}' resolved to {full}");
        Assert.Equal(string.Empty, full);
        Assert.Contains(reasonFragment, reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Unpaired_surrogate_is_refused()
    {
        // Kept out of the theory table: test-case serialization would replace the lone surrogate with U+FFFD.
        Assert.False(_jail.TryResolve("a\uD800b", out _, out var reason));
        Assert.Contains("surrogate", reason, StringComparison.Ordinal);
        Assert.False(_jail.TryResolve("a\uDC00", out _, out _));
        Assert.True(_jail.TryResolve("emoji-\U0001F600.txt", out _, out reason), reason);
    }

    [Fact]
    public void Overlong_name_is_refused()
    {
        Assert.False(_jail.TryResolve(new string('a', 256), out _, out var reason));
        Assert.Contains("255 bytes", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Name_within_the_byte_limit_but_over_it_in_utf8_is_refused()
    {
        // 128 two-byte characters: 128 chars, 256 bytes.
        Assert.False(_jail.TryResolve(new string('é', 128), out _, out _));
    }

    [Fact]
    public void Overlong_path_is_refused()
    {
        var path = string.Join('/', Enumerable.Repeat("abcdefghij", 100));

        Assert.False(_jail.TryResolve(path, out _, out var reason));
        Assert.Contains("longer than 1024", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "")]
    [InlineData(".", "")]
    [InlineData("a.txt", "a.txt")]
    [InlineData("docs", "docs")]
    [InlineData("docs/new/deeper/file.md", "docs/new/deeper/file.md")]
    [InlineData(".hidden", ".hidden")]
    [InlineData("a..b", "a..b")]
    [InlineData("..a", "..a")]
    [InlineData("file with spaces.txt", "file with spaces.txt")]
    [InlineData("ünïcødé.txt", "ünïcødé.txt")]
    [InlineData("100%.txt", "100%.txt")]
    public void Ordinary_path_resolves_inside_the_root(string path, string expectedRelative)
    {
        Assert.True(_jail.TryResolve(path, out var full, out var reason), reason);
        Assert.Equal(Path.Join(_jail.Root, expectedRelative).TrimEnd('/'), full);
    }

    [Fact]
    public void Directory_link_to_outside_is_refused_for_itself_and_everything_below()
    {
        Directory.CreateSymbolicLink(Path.Join(_jail.Root, "escape"), _outside);

        Assert.False(_jail.TryResolve("escape", out _, out var reason));
        Assert.Contains("symbolic link", reason, StringComparison.Ordinal);
        Assert.False(_jail.TryResolve("escape/secret.txt", out _, out _));
        Assert.False(_jail.TryResolve("escape/not-yet-written.txt", out _, out _));
    }

    [Fact]
    public void File_link_to_outside_is_refused()
    {
        File.CreateSymbolicLink(Path.Join(_jail.Root, "passwd"), "/etc/passwd");

        Assert.False(_jail.TryResolve("passwd", out _, out _));
    }

    [Fact]
    public void Relative_link_climbing_out_is_refused()
    {
        Directory.CreateSymbolicLink(Path.Join(_jail.Root, "docs", "up"), "../../outside");

        Assert.False(_jail.TryResolve("docs/up/secret.txt", out _, out _));
    }

    [Fact]
    public void Dangling_link_to_outside_is_refused_so_a_write_cannot_create_a_file_there()
    {
        File.CreateSymbolicLink(Path.Join(_jail.Root, "dangling"), Path.Join(_outside, "created-by-write.txt"));

        Assert.False(_jail.TryResolve("dangling", out _, out _));
    }

    [Fact]
    public void Chain_of_links_ending_outside_is_refused()
    {
        Directory.CreateSymbolicLink(Path.Join(_temp.Path, "hop"), _outside);
        Directory.CreateSymbolicLink(Path.Join(_jail.Root, "docs", "inner"), Path.Join(_jail.Root, "docs", "inner2"));
        Directory.CreateSymbolicLink(Path.Join(_jail.Root, "docs", "inner2"), Path.Join(_temp.Path, "hop"));

        Assert.False(_jail.TryResolve("docs/inner/secret.txt", out _, out _));
    }

    [Fact]
    public void Link_loop_is_refused()
    {
        File.CreateSymbolicLink(Path.Join(_jail.Root, "loop-a"), Path.Join(_jail.Root, "loop-b"));
        File.CreateSymbolicLink(Path.Join(_jail.Root, "loop-b"), Path.Join(_jail.Root, "loop-a"));

        Assert.False(_jail.TryResolve("loop-a", out _, out var reason));
        Assert.Contains("too many levels", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Link_that_stays_inside_resolves_to_its_real_target()
    {
        File.WriteAllText(Path.Join(_jail.Root, "docs", "real.txt"), "x");
        File.CreateSymbolicLink(Path.Join(_jail.Root, "alias.txt"), "docs/real.txt");

        Assert.True(_jail.TryResolve("alias.txt", out var full, out var reason), reason);
        Assert.Equal(Path.Join(_jail.Root, "docs", "real.txt"), full);
    }

    [Fact]
    public void Root_reached_through_a_link_still_accepts_its_own_files()
    {
        var linkedRoot = Path.Join(_temp.Path, "linked-root");
        Directory.CreateSymbolicLink(linkedRoot, _jail.Root);

        var jail = new WorkspaceJail(linkedRoot);

        Assert.Equal(_jail.Root, jail.Root);
        Assert.True(jail.TryResolve("docs/a.txt", out _, out var reason), reason);
    }

    [Fact]
    public void Sibling_folder_sharing_the_root_prefix_is_outside()
    {
        // "tenant-evil" starts with "tenant"; only a separator-terminated prefix counts as inside.
        var sibling = Path.Join(_temp.Path, "tenant-evil");
        Directory.CreateDirectory(sibling);
        Directory.CreateSymbolicLink(Path.Join(_jail.Root, "sib"), sibling);

        Assert.False(_jail.TryResolve("sib", out _, out _));
    }

    [Theory]
    [InlineData("acme", true)]
    [InlineData("tenant_42-b", true)]
    [InlineData("..", false)]
    [InlineData("a/b", false)]
    [InlineData("", false)]
    [InlineData("-leading", false)]
    public void Tenant_id_must_be_a_plain_name(string tenantId, bool expected)
    {
        var opened = WorkspaceJail.TryOpenForTenant(_temp.Path, tenantId, null, out var jail, out var reason);

        Assert.True(expected == opened, reason);
        Assert.Equal(expected, jail is not null);
    }
}
