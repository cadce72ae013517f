//! Profile updates: name, bio, URL, location and avatar, through the v2 routes
//! (`PUT /2/users/me`, `PUT /2/users/me/profile_image`) or the v1.1 `account/*`
//! endpoints, which need OAuth 1.0a.

use crate::client::{Auth, Body, Call, XClient};
use crate::error::Error;
use crate::ids::MediaId;
use crate::media::{MediaUpload, UploadedMedia};
use crate::model::{Envelope, User, V1User};
use crate::rate_limit::Endpoint;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use reqwest::Method;
use serde_json::{Map, Value, json};

/// Largest avatar the v1.1 endpoint takes: under 700 KB.
pub const MAX_V1_PROFILE_IMAGE_BYTES: usize = 700 * 1024;

/// Profile fields to change; fields left `None` stay as they are.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProfileUpdate {
    /// Display name, at most 50 characters.
    pub name: Option<String>,
    /// Bio, at most 160 characters.
    pub description: Option<String>,
    /// Website, at most 100 characters.
    pub url: Option<String>,
    /// Location, at most 30 characters.
    pub location: Option<String>,
}

impl ProfileUpdate {
    /// Checks the documented maximum lengths.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the field that is too long, or when nothing is set.
    pub fn validate(&self) -> Result<(), Error> {
        let fields = self.fields();
        if fields.is_empty() {
            return Err(Error::invalid("profile", "nothing to change"));
        }
        for (name, value, max) in fields {
            let n = value.chars().count();
            if n > max {
                return Err(Error::invalid(
                    name,
                    format!("{n} characters; at most {max}"),
                ));
            }
        }
        Ok(())
    }

    fn fields(&self) -> Vec<(&'static str, &str, usize)> {
        [
            ("name", self.name.as_deref(), 50),
            ("description", self.description.as_deref(), 160),
            ("url", self.url.as_deref(), 100),
            ("location", self.location.as_deref(), 30),
        ]
        .into_iter()
        .filter_map(|(k, v, max)| v.map(|v| (k, v, max)))
        .collect()
    }
}

impl XClient {
    /// Changes name, bio, URL or location through `PUT /2/users/me`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for over-long fields, API and transport errors.
    pub async fn update_profile(&self, update: &ProfileUpdate) -> Result<Option<User>, Error> {
        update.validate()?;
        let body: Map<String, Value> = update
            .fields()
            .into_iter()
            .map(|(k, v, _)| (k.to_owned(), json!(v)))
            .collect();
        let mut call = Call::new(
            Endpoint::UpdateProfile,
            Method::PUT,
            self.api_url("/2/users/me"),
            Auth::User(&[]),
        )
        .json(&Value::Object(body));
        call.timeout = self.inner.config.request_timeout;
        let raw = self.execute(call).await?;
        if raw.body.is_empty() {
            return Ok(None);
        }
        let env: Envelope<User> = raw.json()?;
        Ok(env.data)
    }

    /// Sets already uploaded media as the avatar (`PUT /2/users/me/profile_image`).
    /// X processes avatars asynchronously; the new one shows a few seconds later.
    ///
    /// # Errors
    /// API and transport errors.
    pub async fn set_profile_image(&self, media: &MediaId) -> Result<(), Error> {
        let mut call = Call::new(
            Endpoint::UpdateProfileImage,
            Method::PUT,
            self.api_url("/2/users/me/profile_image"),
            Auth::User(&[]),
        )
        .json(&json!({ "media_id": media }));
        call.timeout = self.inner.config.request_timeout;
        self.execute(call).await?;
        Ok(())
    }

    /// Uploads an image and makes it the avatar.
    ///
    /// # Errors
    /// As [`XClient::upload_media`] and [`XClient::set_profile_image`].
    pub async fn update_profile_image(
        &self,
        image: impl Into<Bytes>,
        media_type: &str,
    ) -> Result<UploadedMedia, Error> {
        let uploaded = self
            .upload_media(&MediaUpload::image(image, media_type))
            .await?;
        self.set_profile_image(&uploaded.id).await?;
        Ok(uploaded)
    }

    /// Changes profile fields through v1.1 `account/update_profile.json` (OAuth 1.0a).
    ///
    /// # Errors
    /// [`Error::CredentialsMissing`] without OAuth 1.0a credentials, validation, API and
    /// transport errors.
    pub async fn update_profile_v1(&self, update: &ProfileUpdate) -> Result<V1User, Error> {
        update.validate()?;
        let mut form: Vec<(String, String)> = update
            .fields()
            .into_iter()
            .map(|(k, v, _)| (k.to_owned(), v.to_owned()))
            .collect();
        form.push(("skip_status".into(), "true".into()));
        let mut call = Call::new(
            Endpoint::UpdateProfileV1,
            Method::POST,
            self.api_url("/1.1/account/update_profile.json"),
            Auth::OAuth1Only,
        );
        call.body = Body::Form(form);
        call.idempotent = true;
        call.timeout = self.inner.config.request_timeout;
        self.execute(call).await?.json()
    }

    /// Replaces the avatar through v1.1 `account/update_profile_image.json`
    /// (OAuth 1.0a; GIF, JPEG or PNG under 700 KB, sent base64 so it is signed).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for 700 KB or more, [`Error::CredentialsMissing`], API
    /// and transport errors.
    pub async fn update_profile_image_v1(&self, image: &[u8]) -> Result<V1User, Error> {
        if image.is_empty() || image.len() >= MAX_V1_PROFILE_IMAGE_BYTES {
            return Err(Error::invalid(
                "profile image",
                format!(
                    "{} bytes; must be 1 to {} bytes",
                    image.len(),
                    MAX_V1_PROFILE_IMAGE_BYTES - 1
                ),
            ));
        }
        let mut call = Call::new(
            Endpoint::UpdateProfileImageV1,
            Method::POST,
            self.api_url("/1.1/account/update_profile_image.json"),
            Auth::OAuth1Only,
        );
        call.body = Body::Form(vec![
            ("image".into(), STANDARD.encode(image)),
            ("skip_status".into(), "true".into()),
        ]);
        call.idempotent = true;
        call.timeout = self.inner.config.upload_timeout;
        self.execute(call).await?.json()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_checked() {
        let ok = ProfileUpdate {
            name: Some("n".repeat(50)),
            description: Some("é".repeat(160)),
            ..ProfileUpdate::default()
        };
        assert!(ok.validate().is_ok());
        let long = ProfileUpdate {
            location: Some("l".repeat(31)),
            ..ProfileUpdate::default()
        };
        assert!(
            long.validate()
                .unwrap_err()
                .to_string()
                .contains("location")
        );
        assert!(ProfileUpdate::default().validate().is_err());
    }
}
