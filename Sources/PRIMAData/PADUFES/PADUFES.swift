/// The PAD-UFES-20 skin-lesion dataset: its file layout, classes and metadata schema.
///
/// Layout: `metadata.csv` (26 columns, ``columns``) and the PNG photos in ``imageFolders``.
public enum PADUFES {
    /// The 26 columns of `metadata.csv`, in file order (`fitspatrick` is the file's spelling).
    public static let columns = [
        "patient_id", "lesion_id", "smoke", "drink", "background_father", "background_mother", "age", "pesticide",
        "gender", "skin_cancer_history", "cancer_history", "has_piped_water", "has_sewage_system", "fitspatrick",
        "region", "diameter_1", "diameter_2", "diagnostic", "itch", "grew", "hurt", "changed", "bleed", "elevation",
        "img_id", "biopsed",
    ]

    /// The folders holding the photos.
    public static let imageFolders = ["imgs_part_1", "imgs_part_2", "imgs_part_3"]

    /// Photos per class in the real dataset (2,298 in all).
    public static let classCounts: [PADUFESDiagnosis: Int] = [.ACK: 730, .BCC: 845, .MEL: 52, .NEV: 244, .SCC: 192, .SEK: 235]

    /// Body regions.
    public static let regions = ["ABDOMEN", "ARM", "BACK", "CHEST", "EAR", "FACE", "FOOT", "FOREARM", "HAND", "LIP",
                                 "NECK", "NOSE", "SCALP", "THIGH"]
    /// Family backgrounds (`BRASIL` is folded into `BRAZIL`); others are accepted as `OTHER`.
    public static let backgrounds = ["AUSTRIA", "BRAZIL", "CZECH", "FRANCE", "GERMANY", "ISRAEL", "ITALY", "NETHERLANDS",
                                     "NORWAY", "POLAND", "POMERANIA", "PORTUGAL", "SPAIN"]
    /// Genders.
    public static let genders = ["FEMALE", "MALE"]

    /// The metadata fields as text and vector (the label `diagnostic` and the leaking `biopsed` excluded).
    ///
    /// Bins **[ours]**: age <30, 30–44, 45–59, 60–74, ≥75; Fitzpatrick one bin per type 1…6; diameters
    /// <5, 5–9, 10–14, 15–19, ≥20 mm.
    public static let schema: MetadataSchema = {
        func yesNo(_ name: String, _ yes: String, _ no: String) -> MetadataField {
            MetadataField(name: name, kind: .boolean, text: MetadataPhrase(whenTrue: yes, whenFalse: no))
        }
        let background: (String, String) -> MetadataField = { name, who in
            MetadataField(name: name, kind: .category, values: backgrounds, aliases: ["BRASIL": "BRAZIL"], allowsOther: true,
                          text: MetadataPhrase(template: "\(who) background: {value}."))
        }
        let diameterBins: [Double] = [5, 10, 15, 20]
        return MetadataSchema(
            label: .init(field: "diagnostic", classes: PADUFESDiagnosis.allCases.map(\.rawValue)),
            fields: [
                MetadataField(name: "age", kind: .number, bins: [30, 45, 60, 75], text: MetadataPhrase(template: "Age {value}.")),
                MetadataField(name: "gender", kind: .category, values: genders,
                              text: MetadataPhrase(template: "{value}.", valueNames: ["FEMALE": "Female", "MALE": "Male"])),
                MetadataField(name: "fitspatrick", kind: .number, bins: [2, 3, 4, 5, 6],
                              text: MetadataPhrase(template: "Fitzpatrick skin type {value}.")),
                MetadataField(name: "region", kind: .category, values: regions, text: MetadataPhrase(template: "Lesion on the {value}.")),
                MetadataField(name: "diameter_1", kind: .number, bins: diameterBins, text: MetadataPhrase(template: "Diameter {value} mm.")),
                MetadataField(name: "diameter_2", kind: .number, bins: diameterBins, text: MetadataPhrase(template: "Second diameter {value} mm.")),
                yesNo("itch", "It itches.", "It does not itch."),
                yesNo("grew", "It has grown.", "It has not grown."),
                yesNo("hurt", "It hurts.", "It does not hurt."),
                yesNo("changed", "It has changed.", "It has not changed."),
                yesNo("bleed", "It has bled.", "It has not bled."),
                yesNo("elevation", "It is elevated.", "It is flat."),
                yesNo("smoke", "Smoker.", "Non-smoker."),
                yesNo("drink", "Drinks alcohol.", "Does not drink alcohol."),
                yesNo("pesticide", "Exposed to pesticides.", "Not exposed to pesticides."),
                yesNo("skin_cancer_history", "Personal history of skin cancer.", "No history of skin cancer."),
                yesNo("cancer_history", "Family history of cancer.", "No family history of cancer."),
                yesNo("has_piped_water", "Has piped water.", "No piped water."),
                yesNo("has_sewage_system", "Has a sewage system.", "No sewage system."),
                background("background_father", "Father's"),
                background("background_mother", "Mother's"),
            ],
            excludedFromText: ["biopsed"])
    }()
}

/// The six PAD-UFES-20 diagnoses; the case order is the class index.
public enum PADUFESDiagnosis: String, CaseIterable, Sendable, Codable {
    /// Actinic keratosis.
    case ACK
    /// Basal cell carcinoma.
    case BCC
    /// Melanoma.
    case MEL
    /// Nevus.
    case NEV
    /// Squamous cell carcinoma.
    case SCC
    /// Seborrheic keratosis.
    case SEK

    /// The class index (position in `allCases`).
    public var index: Int { Self.allCases.firstIndex(of: self)! }
}
