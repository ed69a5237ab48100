using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Chat.Specs.Http.Support;

/// A real nginx (Debian's package) in front of the nodes, running the product's own `deploy/nginx.conf` with only
/// its ports filled in: the listener on a free 127.0.0.1 port, the upstream servers on the nodes' ports (and its log in
/// the spec's folder). One worker,
/// its own folder for pid, logs and temp files; stopped by its pid.
public sealed partial class Nginx : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TempFolder _folder;

    private Nginx(Process process, TempFolder folder, Uri address, Uri tlsAddress) =>
        (_process, _folder, Address, TlsAddress) = (process, folder, address, tlsAddress);

    /// Plain HTTP/1.1.
    public Uri Address { get; }

    /// TLS with HTTP/2, with the certificate the shipped deploy/make-cert.sh made (<see cref="Certificate"/>).
    public Uri TlsAddress { get; }

    public System.Security.Cryptography.X509Certificates.X509Certificate2 Certificate =>
        System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(_folder.File("chat.crt"));

    /// The site file as shipped, copied beside the specs (Specs.csproj).
    public static string ShippedConfig => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "deploy", "nginx.conf"));

    public static async Task<Nginx> StartAsync(IReadOnlyList<int> nodePorts)
    {
        var folder = new TempFolder("chat-nginx-");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(folder.Path, (UnixFileMode)0b111_101_101); // the worker (user nobody) reads under it
        var (port, tlsPort) = (FreePort.Take(), FreePort.Take());
        await MakeCertificateAsync(folder.Path);
        var servers = Upstream().Matches(ShippedConfig);
        if (servers.Count != nodePorts.Count) throw new ArgumentException($"deploy/nginx.conf names {servers.Count} nodes, not {nodePorts.Count}");
        var next = 0;
        var site = Upstream().Replace(ShippedConfig, _ => $"server 127.0.0.1:{nodePorts[next++]}");
        site = Listen().Replace(site, $"listen 127.0.0.1:{port};").Replace("/var/log/nginx/", folder.Path + "/");
        site = ListenTls().Replace(site, $"listen 127.0.0.1:{tlsPort} ssl http2;").Replace("/etc/nginx/chat.", folder.Path + "/chat.");
        File.WriteAllText(folder.File("chat.conf"), site);
        File.WriteAllText(folder.File("nginx.conf"), $$"""
            worker_processes 1;
            pid {{folder.File("nginx.pid")}};
            events { worker_connections 4096; }
            http {
                access_log off;
                client_body_temp_path {{folder.File("body")}};
                proxy_temp_path {{folder.File("proxy")}};
                fastcgi_temp_path {{folder.File("fastcgi")}};
                uwsgi_temp_path {{folder.File("uwsgi")}};
                scgi_temp_path {{folder.File("scgi")}};
                include {{folder.File("chat.conf")}};
            }
            """);
        var info = new ProcessStartInfo("nginx") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])["-p", folder.Path, "-c", folder.File("nginx.conf"), "-e", folder.File("error.log"), "-g", "daemon off;"])
            info.ArgumentList.Add(arg);
        var process = Process.Start(info)!;
        _ = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!await AcceptsAsync(port) || !await AcceptsAsync(tlsPort))
        {
            if (process.HasExited) throw new InvalidOperationException($"nginx exited: {await stderr} {File.ReadAllText(folder.File("error.log"))}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException("nginx did not listen");
            await Task.Delay(50);
        }
        return new Nginx(process, folder, new Uri($"http://127.0.0.1:{port}"), new Uri($"https://127.0.0.1:{tlsPort}"));
    }

    /// The shipped script, as an operator runs it to try TLS.
    private static async Task MakeCertificateAsync(string folder)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "deploy", "make-cert.sh"));
        info.ArgumentList.Add(folder);
        using var script = Process.Start(info)!;
        var errors = script.StandardError.ReadToEndAsync();
        await script.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (script.ExitCode != 0) throw new InvalidOperationException($"make-cert.sh failed: {await errors}");
    }

    public string ErrorLog => File.Exists(_folder.File("error.log")) ? File.ReadAllText(_folder.File("error.log")) : "";

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var probe = new TcpClient();
        try { await probe.ConnectAsync(IPAddress.Loopback, port); return true; }
        catch (SocketException) { return false; }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true); // the master and its worker
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        _process.Dispose();
        _folder.Dispose();
    }

    [GeneratedRegex(@"server 127\.0\.0\.1:\d+")]
    private static partial Regex Upstream();

    [GeneratedRegex(@"listen 127\.0\.0\.1:\d+;")]
    private static partial Regex Listen();

    [GeneratedRegex(@"listen 127\.0\.0\.1:\d+ ssl http2;")]
    private static partial Regex ListenTls();
}
