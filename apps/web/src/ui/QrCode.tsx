/**
 * A QR code of a link, drawn locally by `qrcode` (the link never leaves the device to be drawn).
 * The library loads only when a code is shown, keeping it out of the first page load.
 */
import { useEffect, useState } from "react";

export function QrCode({ text, label }: { text: string; label: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    import("qrcode")
      .then((QRCode) =>
        QRCode.toDataURL(text, {
          errorCorrectionLevel: "M",
          margin: 2,
          width: 232,
          color: { dark: "#111613", light: "#ffffff" },
        }),
      )
      .then((url) => alive && setSrc(url))
      .catch(() => alive && setSrc(null));
    return () => {
      alive = false;
    };
  }, [text]);
  if (!src) return null;
  return <img className="qr" src={src} alt={label} width={232} height={232} />;
}
