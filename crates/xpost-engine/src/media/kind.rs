//! The image types X takes that the pipeline handles.

use super::error::MediaError;

/// An image type, named by its MIME type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ImageType {
    /// `image/jpeg`.
    Jpeg,
    /// `image/png`.
    Png,
    /// `image/webp`.
    Webp,
    /// `image/gif`.
    Gif,
}

impl ImageType {
    /// The type for a MIME type (parameters such as `; charset` are ignored).
    ///
    /// # Errors
    /// [`MediaError::UnsupportedType`] for any other type.
    pub fn from_mime(mime: &str) -> Result<Self, MediaError> {
        let essence = mime
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "image/jpeg" | "image/jpg" | "image/pjpeg" => Ok(Self::Jpeg),
            "image/png" => Ok(Self::Png),
            "image/webp" => Ok(Self::Webp),
            "image/gif" => Ok(Self::Gif),
            _ => Err(MediaError::UnsupportedType {
                mime: mime.to_owned(),
            }),
        }
    }

    /// The MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
            Self::Gif => "image/gif",
        }
    }

    pub(crate) fn format(self) -> ::image::ImageFormat {
        match self {
            Self::Jpeg => ::image::ImageFormat::Jpeg,
            Self::Png => ::image::ImageFormat::Png,
            Self::Webp => ::image::ImageFormat::WebP,
            Self::Gif => ::image::ImageFormat::Gif,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mime_types_round_trip_and_others_are_refused() {
        for kind in [
            ImageType::Jpeg,
            ImageType::Png,
            ImageType::Webp,
            ImageType::Gif,
        ] {
            assert_eq!(ImageType::from_mime(kind.mime()).unwrap(), kind);
        }
        assert_eq!(
            ImageType::from_mime("Image/JPEG; q=1").unwrap(),
            ImageType::Jpeg
        );
        assert!(matches!(
            ImageType::from_mime("image/tiff"),
            Err(MediaError::UnsupportedType { .. })
        ));
    }
}
