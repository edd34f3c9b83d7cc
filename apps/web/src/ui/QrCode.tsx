/** A QR code of a link, drawn locally by `qrcode` (the link never leaves the device to be drawn). */
import QRCode from "qrcode";
import { useEffect, useState } from "react";

export function QrCode({ text, label }: { text: string; label: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    QRCode.toDataURL(text, {
      errorCorrectionLevel: "M",
      margin: 2,
      width: 232,
      color: { dark: "#111613", light: "#ffffff" },
    })
      .then((url) => alive && setSrc(url))
      .catch(() => alive && setSrc(null));
    return () => {
      alive = false;
    };
  }, [text]);
  if (!src) return null;
  return <img className="qr" src={src} alt={label} width={232} height={232} />;
}
