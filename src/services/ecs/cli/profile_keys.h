// A named profile's keys from the AWS CLI's own files, for nimbus's command-line tools when the
// AWS CLI hands them a profile (session-manager-plugin's PROFILE argument): the shared
// credentials file (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials; section [name]) and
// the config file (AWS_CONFIG_FILE, else ~/.aws/config; [profile name], [default] for default),
// the credentials file first, as the CLI reads them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace nimbus::ecs::cli {

struct ProfileKeys {
  std::string access_key_id, secret_access_key, session_token;
};

// The keys of section `section` in INI text (aws_access_key_id, aws_secret_access_key,
// aws_session_token; blanks around names and values ignored, # and ; comments); nullopt when
// the section is absent or lacks either key.
std::optional<ProfileKeys> ProfileKeysIn(std::string_view ini, std::string_view section);

// The keys of profile `profile` from the files; nullopt when neither file has them.
std::optional<ProfileKeys> ReadProfileKeys(const std::string& profile);

}  // namespace nimbus::ecs::cli
