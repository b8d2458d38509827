using QRCoder;

namespace Dilemma.Gateway.Sessions;

/// <summary>
/// The link a participant opens to enrol, and its QR code. The link is built on the address the
/// facilitator reached this gateway by, so it points wherever the class reaches the web app.
/// </summary>
public static class JoinLinks
{
    /// <summary>Modules of this many pixels: legible from the back of a classroom when projected.</summary>
    private const int PixelsPerModule = 8;

    public static string For(HttpRequest request, string sessionCode) =>
        $"{request.Scheme}://{request.Host}{request.PathBase}/?session={Uri.EscapeDataString(sessionCode)}";

    /// <summary>An SVG QR code of <paramref name="link"/>, medium error correction (survives a smudged projector).</summary>
    public static string QrSvg(string link)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(link, QRCodeGenerator.ECCLevel.M);
        using var svg = new SvgQRCode(data);
        return svg.GetGraphic(PixelsPerModule);
    }
}
