namespace Dilemma.Tests.Infrastructure;

internal static class Executables
{
    // mariadbd lives in /usr/sbin, which is not on a normal user's PATH.
    private static readonly string[] ExtraDirectories =
        ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin", "/opt/homebrew/sbin", "/opt/homebrew/bin"];

    public static string Find(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        var candidates = path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(ExtraDirectories)
            .Select(directory => Path.Combine(directory, name));
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                $"'{name}' was not found on PATH or in {string.Join(", ", ExtraDirectories)}. "
                + "The integration tests start their own MariaDB and Redis servers from the locally installed binaries: "
                + "run `bash scripts/services.sh install` (or `sudo apt-get install mariadb-server redis-server`).");
    }
}
